/** Measurements on this machine: the engine's lookup and update cost, id load balance, gather bandwidth, and the
 * cost model's CPU figure checked against them; figures to read them. */
export { sampleIds } from './sample-ids';
export type { SampleIdsOptions } from './sample-ids';
export { measureLookupCost } from './measure-lookup-cost';
export type { MeasureLookupCostOptions, LookupCostResult, DenseLookupCost } from './measure-lookup-cost';
export { measureLoadBalance } from './measure-load-balance';
export type { MeasureLoadBalanceOptions, LoadBalanceResult } from './measure-load-balance';
export { measureGatherBandwidth } from './measure-gather-bandwidth';
export type { MeasureGatherBandwidthOptions } from './measure-gather-bandwidth';
export { checkCpuModel } from './check-cpu-model';
export type { CheckCpuModelInput, CpuModelCheck } from './check-cpu-model';
export { rowsTable } from './rows-table';
export { lookupCostTable } from './lookup-cost-table';
export { meanAndSd } from './mean-and-sd';
export type { MeanAndSd } from './mean-and-sd';
