import type { Element, ParentNode } from 'domhandler';
import type { NavigationHeadings } from '../filters';
import type { Boilerplate } from './boilerplate';
import { FurnitureSections } from './furniture';
import type { Piece } from './linkDensity';
import { Walker } from './walker';

/**
 * The walk of a page's main text (./mainContent.ts found it): the rendering rules of ./walker.ts,
 * plus what only makes sense inside the main text. Pieces made outside its core are marked
 * `periphery` (./periphery.ts keeps prose from there); page furniture is recognised by its headings
 * (./furniture.ts); a <form> inside the text is a comment or sign-up form and goes, while one holding
 * the core (forums wrap a thread in a moderation form) stays.
 */
export class MainTextWalker extends Walker {
  private readonly furniture: FurnitureSections;

  constructor(
    boilerplate: Boilerplate,
    navigation: NavigationHeadings,
    private readonly core: ParentNode,
  ) {
    super(boilerplate);
    this.furniture = new FurnitureSections(navigation);
  }

  override run(root: ParentNode): Piece[] {
    this.sink.periphery = this.core !== root;
    const pieces = super.run(root);
    this.furniture.close(pieces);
    return this.furniture.dropLabelsAndTeasers(pieces);
  }

  protected override visit(el: Element, kind: number): void {
    if (el === this.core) {
      this.sink.flush('paragraph');
      this.sink.periphery = false;
      super.visit(el, kind);
      this.sink.flush('paragraph');
      this.sink.periphery = true;
    } else {
      super.visit(el, kind);
    }
    if (this.sink === this.mainSink && this.furniture.boundedBy(el)) {
      this.sink.flush('paragraph');
      this.furniture.close(this.sink.pieces);
    }
  }

  protected override headed(el: Element): void {
    if (this.sink === this.mainSink) this.furniture.heading(el, this.sink.pieces);
  }

  protected override keepsForm(el: Element): boolean {
    for (let p: ParentNode | null = this.core; p !== null; p = p.parent) if (p === el) return true;
    return false;
  }
}
