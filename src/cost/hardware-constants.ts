/**
 * Public hardware figures used by the cost model. Every constant carries its unit in its name and its source in a
 * comment. Bandwidths are bytes per second; "bidirectional" counts bytes in plus bytes out.
 *
 * Sources:
 * - [TPUv3] Cloud TPU v3 docs, https://cloud.google.com/tpu/docs/v3 (key specifications table)
 * - [TPUv4] Cloud TPU v4 docs, https://cloud.google.com/tpu/docs/v4 (key specifications table)
 * - [TPUv5p] Cloud TPU v5p docs, https://cloud.google.com/tpu/docs/v5p (key specifications table)
 * - [TPUv6e] Cloud TPU v6e docs, https://cloud.google.com/tpu/docs/v6e (key specifications table)
 * - [TPUv5e] Cloud TPU v5e docs, https://cloud.google.com/tpu/docs/v5e ("Per-host NIC configuration 2 x 100 Gbps")
 * - [Scaling] "How to Scale Your Model", part 2 "How to think about TPUs", https://jax-ml.github.io/scaling-book/tpus
 *   (github jax-ml/scaling-book tpus.md): ICI bandwidth per link, PCIe per chip, DCN per host, host sizes.
 * - [TorchRec] pytorch/torchrec `torchrec/distributed/planner/constants.py` (planner defaults, "empirical studies").
 */

const GiB = 2 ** 30;

/** Bytes in one float32 table element. */
export const BYTES_PER_FLOAT32 = 4;
/** Bytes in one int32 id (ids cross the all-to-all as int32). */
export const BYTES_PER_ID = 4;

// --- HBM ---------------------------------------------------------------------------------------------------------
/** TPU v3 HBM bandwidth per chip, bytes/s. [TPUv3] "HBM2 capacity and bandwidth 32 GiB, 900 GBps". */
export const HBM_BYTES_PER_S_TPU_V3 = 900e9;
/** TPU v3 HBM capacity per chip, bytes. [TPUv3] 32 GiB. */
export const HBM_BYTES_TPU_V3 = 32 * GiB;
/** TPU v4 HBM bandwidth per chip, bytes/s. [TPUv4] "32 GiB, 1200 GBps". */
export const HBM_BYTES_PER_S_TPU_V4 = 1.2e12;
/** TPU v4 HBM capacity per chip, bytes. [TPUv4] 32 GiB. */
export const HBM_BYTES_TPU_V4 = 32 * GiB;
/** TPU v5p HBM bandwidth per chip, bytes/s. [TPUv5p] "2765 GBps". */
export const HBM_BYTES_PER_S_TPU_V5P = 2.765e12;
/** TPU v5p HBM capacity per chip, bytes. [TPUv5p] "HBM capacity per chip (GiB) 95". */
export const HBM_BYTES_TPU_V5P = 95 * GiB;
/**
 * TPU v5e HBM capacity per chip, bytes. [TPUv5e] key chip specifications "HBM2 capacity and bandwidth 16 GB, 819 GBps"
 * (GB read as 1e9 bytes, as for v6e's "32 GB"). v5e has one TensorCore and no SparseCore per chip ([TPUv5e] "Each v5e
 * chip contains one TensorCore"): tables live in the TensorCore's HBM, as on v3.
 */
export const HBM_BYTES_TPU_V5E = 16e9;
/** TPU v6e HBM bandwidth per chip, bytes/s. [TPUv6e] "HBM bandwidth per chip 1638 GBps". */
export const HBM_BYTES_PER_S_TPU_V6E = 1.638e12;
/** TPU v6e HBM capacity per chip, bytes. [TPUv6e] "HBM capacity per chip 32 GB". */
export const HBM_BYTES_TPU_V6E = 32e9;

// --- ICI (bidirectional, per chip) -------------------------------------------------------------------------------
/**
 * TPU v3 ICI bandwidth per chip, bidirectional, bytes/s. Derived: [Scaling] one-way 1e11 bytes/s per link × 2
 * directions × 4 links (2D torus: [TPUv3] "Interconnect topology 2D torus") = 8e11.
 */
export const ICI_BYTES_PER_S_TPU_V3 = 1e11 * 2 * 4;
/**
 * TPU v4 ICI bandwidth per chip, bidirectional, bytes/s. Derived: [Scaling] one-way 4.5e10 bytes/s per link ×
 * 2 directions × 6 links (3D mesh/torus: [TPUv4]) = 5.4e11.
 */
export const ICI_BYTES_PER_S_TPU_V4 = 4.5e10 * 2 * 6;
/** TPU v5p ICI bandwidth per chip, bidirectional, bytes/s. [TPUv5p] "Bidirectional ICI bandwidth per chip 1200 GBps". */
export const ICI_BYTES_PER_S_TPU_V5P = 1200e9;
/** TPU v6e ICI bandwidth per chip, bidirectional, bytes/s. [TPUv6e] "Bidirectional ICI bandwidth (per chip) 800 GBps". */
export const ICI_BYTES_PER_S_TPU_V6E = 800e9;

// --- Peak dense compute ------------------------------------------------------------------------------------------
/** TPU v3 peak bf16 FLOP/s per chip. [TPUv3] "123 teraflops (bf16)". */
export const PEAK_FLOPS_PER_S_TPU_V3 = 123e12;
/** TPU v4 peak bf16 FLOP/s per chip. [TPUv4] "275 teraflops (bf16 or int8)". */
export const PEAK_FLOPS_PER_S_TPU_V4 = 275e12;
/** TPU v5p peak bf16 FLOP/s per chip. [TPUv5p] "459 TFLOPs". */
export const PEAK_FLOPS_PER_S_TPU_V5P = 459e12;
/** TPU v6e peak bf16 FLOP/s per chip. [TPUv6e] "918 TFLOPs". */
export const PEAK_FLOPS_PER_S_TPU_V6E = 918e12;

// --- Host side ---------------------------------------------------------------------------------------------------
/** Host ↔ TPU PCIe bandwidth per chip, bytes/s. [Scaling] "PCIe bandwidth is typically around 1.5e10 bytes / second per chip". */
export const PCIE_BYTES_PER_S_PER_CHIP = 1.5e10;
/** TPU v6e host ↔ TPU PCIe bandwidth per chip, bytes/s. [Scaling] "Trillium (TPU v6e) has 32GB/s"; [TPUv6e] PCIe Gen5. */
export const PCIE_BYTES_PER_S_PER_CHIP_TPU_V6E = 32e9;
/** Datacenter network bandwidth per host, bytes/s. [Scaling] "DCN bandwidth is typically around 2.5e10 bytes/s per host";
 * [TPUv5e] "Per-host NIC configuration 2 x 100 Gbps" = 2.5e10 bytes/s. */
export const DCN_BYTES_PER_S_PER_HOST = 2.5e10;
/** TPU chips attached to one host. v3-8 and v4-8 are one host with 4 chips ([Scaling] host size 2x2x1 for v4p); v5p: [TPUv5p] "4-chip VM". */
export const CHIPS_PER_HOST_TPU_V3 = 4;
export const CHIPS_PER_HOST_TPU_V4 = 4;
export const CHIPS_PER_HOST_TPU_V5P = 4;
/** [TPUv6e] "Chips per host 8". */
export const CHIPS_PER_HOST_TPU_V6E = 8;

// --- TorchRec planner defaults -----------------------------------------------------------------------------------
/** [TorchRec] `HBM_MEM_BW = 897 * 1024**3 / 1000  # bytes/ms` → 897 GiB/s. */
export const TORCHREC_HBM_BYTES_PER_S = 897 * GiB;
/** Host DRAM bandwidth, bytes/s. [TorchRec] `DDR_MEM_BW = 51 * 1024**3 / 1000  # bytes/ms` → 51 GiB/s. */
export const TORCHREC_DDR_BYTES_PER_S = 51 * GiB;
/** HBM ↔ host DRAM (PCIe-class) bandwidth, bytes/s. [TorchRec] `hbm_to_ddr_mem_bw` default 32 GiB/s (newer planner). */
export const TORCHREC_HBM_TO_DDR_BYTES_PER_S = 32 * GiB;
/** Cross-node (NIC) bandwidth, bytes/s. [TorchRec] `CROSS_NODE_BANDWIDTH = 12.5 * 1024**3 / 1000  # bytes/ms`. */
export const TORCHREC_CROSS_NODE_BYTES_PER_S = 12.5 * GiB;
/** Lookup slowdown for embedding dim < 64. [TorchRec] `QUARTER_BLOCK_PENALTY = 1.75  # empirical studies`. */
export const SMALL_DIM_PENALTY_BELOW_64 = 1.75;
/** Lookup slowdown for 64 ≤ dim < 128. [TorchRec] `HALF_BLOCK_PENALTY = 1.15  # empirical studies`. */
export const SMALL_DIM_PENALTY_64_TO_127 = 1.15;
/** Dim at and above which no penalty applies. [TorchRec] `FULL_BLOCK_EMB_DIM = 128`. */
export const FULL_BLOCK_DIM = 128;
/** Backward (incl. fused optimizer) time as a multiple of forward. [TorchRec] `BWD_COMPUTE_MULTIPLIER = 2`.
 * Not used by `estimateStep` (which counts the optimizer's bytes explicitly); exported for comparison. */
export const TORCHREC_BACKWARD_MULTIPLIER = 2;

// --- Assumptions (not published figures) -------------------------------------------------------------------------
/** Fraction of peak FLOP/s the dense part reaches. ASSUMPTION of this library (typical MLP utilisation), no source:
 * override with `estimateStep(…, { denseUtilization })`. */
export const DEFAULT_DENSE_UTILIZATION = 0.5;
