#include "thread-pool.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TPU_PAUSE() _mm_pause()
#else
#define TPU_PAUSE() std::this_thread::yield()
#endif

namespace tpu_native {

ThreadPool::ThreadPool(int workers) {
  for (int i = 0; i < workers; i++) threads_.emplace_back([this] { loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

int ThreadPool::work() {
  int done = 0;
  for (;;) {
    const int c = next_.fetch_add(1, std::memory_order_relaxed);
    if (c >= chunks_) return done;
    (*job_)(c);
    done++;
  }
}

void ThreadPool::run(int chunks, int threads, const std::function<void(int)>& fn, const std::function<void()>* callerFirst) {
  std::unique_lock<std::mutex> running(runMutex_, std::try_to_lock);
  const int helpers = running.owns_lock() ? std::min(threads - 1, workers()) : 0;
  if (running.owns_lock()) {
    lastChunks_ = chunks;
    workerChunks_.store(0, std::memory_order_relaxed);
  }
  if (helpers <= 0 || chunks < 2) {
    if (callerFirst) (*callerFirst)();
    for (int c = 0; c < chunks; c++) fn(c);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &fn;
    chunks_ = chunks;
    next_.store(0, std::memory_order_relaxed);
    open_ = true;
    helpersWanted_ = helpers;
    helpersEntered_ = 0;
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  std::exception_ptr failed;
  if (callerFirst) {
    try {
      (*callerFirst)();
    } catch (...) {
      failed = std::current_exception();
    }
  }
  work();
  {
    // Close the job: a worker that has not entered by now never will (it would find no chunk anyway).
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = false;
  }
  while (active_.load(std::memory_order_acquire) != 0) TPU_PAUSE();
  job_ = nullptr;
  if (failed) std::rethrow_exception(failed);
}

void ThreadPool::loop() {
  uint64_t seen = generation_.load();
  for (;;) {
    // Spin briefly (about 50 µs) for the next job before sleeping: back-to-back calls find the worker awake,
    // and an idle pool does not steal the other core for long.
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
    while (generation_.load(std::memory_order_acquire) == seen && std::chrono::steady_clock::now() < until) {
      for (int i = 0; i < 32; i++) TPU_PAUSE();
    }
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait(lock, [&] { return generation_.load() != seen; });
    seen = generation_.load();
    if (stop_) return;
    if (!open_ || helpersEntered_ >= helpersWanted_) continue;
    helpersEntered_++;
    active_.fetch_add(1, std::memory_order_acq_rel);
    lock.unlock();
    workerChunks_.fetch_add(work(), std::memory_order_relaxed);
    active_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

namespace {
std::unique_ptr<ThreadPool> thePool;
std::mutex poolMutex;
int environments = 0;
}  // namespace

ThreadPool& pool() {
  std::lock_guard<std::mutex> lock(poolMutex);
  if (!thePool) {
    const int hw = static_cast<int>(std::thread::hardware_concurrency());
    thePool = std::make_unique<ThreadPool>(std::max(0, std::min(hw, 8) - 1));
  }
  return *thePool;
}

void retainPool() {
  std::lock_guard<std::mutex> lock(poolMutex);
  environments++;
}

void releasePool() {
  std::lock_guard<std::mutex> lock(poolMutex);
  if (--environments <= 0) thePool.reset();
}

}  // namespace tpu_native
