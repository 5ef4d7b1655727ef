// Integration tests talk to a real broker and spawn processes: give them room (per test, not a timing assertion).
jest.setTimeout(120_000);
