// A persistent pool of worker threads for the native kernels (see /work/shared notes on 2 shared vCPUs): the
// calling thread always works too; work is handed out in chunks through one atomic counter, so a worker that wakes
// late only takes the chunks that are left, and the caller never waits for a worker that has not started.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tpu_native {

class ThreadPool {
 public:
  explicit ThreadPool(int workers);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /** Worker threads (the caller is one more). */
  int workers() const { return static_cast<int>(threads_.size()); }

  /**
   * Runs fn(c) for every chunk c in [0, chunks) on the caller and up to threads − 1 workers; returns when every
   * chunk is done. Synchronous: nothing the chunks read or write may change before it returns. With `callerFirst`,
   * the caller runs it after waking the workers and before taking chunks (its own sequential work overlaps theirs);
   * an exception it throws is rethrown once every chunk is done.
   */
  void run(int chunks, int threads, const std::function<void(int)>& fn, const std::function<void()>* callerFirst = nullptr);

  /** Chunks of the last run() and how many of them the workers did (0: the caller did everything). */
  int lastChunks() const { return lastChunks_; }
  int lastWorkerChunks() const { return workerChunks_.load(std::memory_order_relaxed); }

 private:
  void loop();
  int work();

  std::vector<std::thread> threads_;
  /** Held by the run() in progress: a concurrent caller (another worker_threads environment) runs its chunks inline. */
  std::mutex runMutex_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};
  bool stop_ = false;
  // The current job (guarded by mutex_ for entering and closing; the counters are atomic).
  const std::function<void(int)>* job_ = nullptr;
  bool open_ = false;
  int helpersWanted_ = 0;
  int helpersEntered_ = 0;
  int chunks_ = 0;
  std::atomic<int> next_{0};
  std::atomic<int> active_{0};
  std::atomic<int> workerChunks_{0};
  int lastChunks_ = 0;
};

/** The process's pool, created on first use with hardware threads − 1 workers (at most 7). */
ThreadPool& pool();
/** Counts an environment (a Node main or worker thread) that loaded the addon. */
void retainPool();
/** Uncounts one (its cleanup hook); the last one stops and joins the pool's threads. */
void releasePool();

}  // namespace tpu_native
