/** Test helpers for flows, hosts and adapters: the harness, a fake clock, a recording transport, conformance suites. */
export { createFakeClock, type FakeClock } from './fake-clock.js';
export { createTestHarness, type TestHarness, type TestHarnessOptions, type TestMessage } from './harness.js';
export {
  createRecordingTransport,
  type RecordedSend,
  type RecordingTransport,
} from './recording-transport.js';
export {
  flowCoverage,
  type RunScenarioOptions,
  runScenario,
  type Scenario,
  type ScenarioFailure,
  type ScenarioFile,
  type ScenarioResult,
  type ScenarioStep,
  scenarioFileSchema,
  scenarioSchema,
} from './scenario.js';
export {
  runStoreConformance,
  type StoreConformanceOptions,
  type StoreFactory,
  testRecord,
} from './store-conformance.js';
