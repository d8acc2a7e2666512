// `testTimeout` is a global jest option (ignored per project): integration tests talk to
// real servers on a shared 2-core machine, so they get 30 s here.
jest.setTimeout(30_000);
