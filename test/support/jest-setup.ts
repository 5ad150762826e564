// End-to-end specs render real videos and start real processes: give them room (no timing asserts here).
jest.setTimeout(180_000);
