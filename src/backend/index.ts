export { BACKENDS, chooseBackend, resetBackendChoice } from './choose-backend';
export type { BackendName, BackendChoice, ChooseBackendOptions } from './choose-backend';
