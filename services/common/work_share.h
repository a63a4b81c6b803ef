// Work sharing with one helper thread that may never get a core: the research path's readers
// (tick_columns.h, feature_checksum.h) split a stock-day's pass into units that the calling thread
// and a helper both take, in order, as they come.
//
//   UnitShare share(units, /*helper=*/true, [&](size_t u) { Copy(u); });
//   for (size_t u; share.ClaimNext(&u);) Copy(u);   // or Claim(u) for a unit of its own choosing
//   share.Finish();                                 // every unit done; the helper touches no more
//
// Why not a fixed split: on a busy machine the helper may wait for a core longer than the whole
// pass takes, and a caller waiting for a fixed half would wait with it (measured 28 ms instead of
// 11 on 2 busy cores). Here a helper that never runs costs its thread's start (~30 us): the caller
// takes every unit itself and Finish() waits only for units the helper has claimed and not yet
// done. The helper thread is detached and keeps the shared state alive; after Finish() it can only
// find that no unit is left, so `run` and what it refers to need to live only until Finish().
// Thread-safety: one caller thread uses a UnitShare; `run` is called from the caller's thread
// (never by the class) and the helper's, on different units.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <system_error>
#include <thread>

namespace ticklab {

class UnitShare {
 public:
  // Starts the helper when `helper` (it runs `run(u)` on every unit it claims); without a helper,
  // or if no thread can be started, the caller's claims get every unit.
  UnitShare(size_t units, bool helper, std::function<void(size_t)> run)
      : state_(std::make_shared<State>(units, std::move(run))) {
    if (!helper || units == 0) return;
    try {
      std::thread([state = state_] {
        for (size_t u; (u = state->next.fetch_add(1)) < state->units;) {
          state->run(u);
          state->helper_done.fetch_add(1, std::memory_order_release);
        }
      }).detach();
    } catch (const std::system_error&) {  // no thread: the caller does it all
    }
  }
  UnitShare(const UnitShare&) = delete;
  UnitShare& operator=(const UnitShare&) = delete;
  ~UnitShare() { Finish(); }

  // Claims the next unclaimed unit into *unit; false when none is left.
  bool ClaimNext(size_t* unit) {
    const size_t u = state_->next.fetch_add(1);
    if (u >= state_->units) return false;
    *unit = u;
    ++mine_;
    return true;
  }

  // Claims `unit` if it is the next unclaimed one (true: the caller runs it). The units before it
  // must all be claimed already (a caller walking the units in order, claiming where it can).
  bool Claim(size_t unit) {
    size_t expected = unit;
    if (!state_->next.compare_exchange_strong(expected, unit + 1)) return false;
    ++mine_;
    return true;
  }

  // Units the caller claimed so far.
  size_t caller_units() const { return mine_; }

  // Waits until every unit has been run: the caller must have run the units it claimed, and must
  // have claimed until none was left (ClaimNext false, or Claim tried on every unit in order).
  void Finish() {
    // Close the range first, so a helper that starts only now finds nothing to do.
    size_t claimed = state_->next.exchange(state_->units);
    if (claimed > state_->units) claimed = state_->units;
    const size_t helper_claimed = claimed - mine_;
    for (int spins = 0; state_->helper_done.load(std::memory_order_acquire) < helper_claimed;) {
      if (++spins < 1024) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
      } else {
        std::this_thread::yield();  // the helper was descheduled mid-unit: give it the core
      }
    }
  }

 private:
  struct State {
    State(size_t n, std::function<void(size_t)> f) : units(n), run(std::move(f)) {}
    const size_t units;
    const std::function<void(size_t)> run;
    std::atomic<size_t> next{0};
    std::atomic<size_t> helper_done{0};
  };
  std::shared_ptr<State> state_;
  size_t mine_ = 0;
};

}  // namespace ticklab
