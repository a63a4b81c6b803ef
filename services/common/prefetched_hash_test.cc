#include "services/common/prefetched_hash.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace ticklab {
namespace {

std::vector<unsigned char> Bytes(size_t n) {
  std::vector<unsigned char> v(n);
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (unsigned char& b : v) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    b = static_cast<unsigned char>(x);
  }
  return v;
}

// The digests are the one-shot functions' at every size around the step and the prefetch distance.
TEST(PrefetchedHashTest, DigestsAreTheOneShotOnes) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{63}, size_t{240}, kHashStep - 1, kHashStep,
                   kHashStep + 1, kPrefetchAhead + 7, size_t{200'000}}) {
    const std::vector<unsigned char> data = Bytes(n);
    EXPECT_EQ(XXH3Prefetched(data.data(), n), XXH3_64bits(data.data(), n)) << n;
    XXH64_state_t* state = XXH64_createState();
    XXH64_reset(state, 0);
    // In two pieces, as the tick split feeds its blocks.
    XXH64UpdatePrefetched(state, data.data(), n / 3, data.data() + n);
    XXH64UpdatePrefetched(state, data.data() + n / 3, n - n / 3, data.data() + n);
    EXPECT_EQ(XXH64_digest(state), XXH64(data.data(), n, 0)) << n;
    XXH64_freeState(state);
  }
}

// A flipped byte anywhere changes the digest (the check still reads every byte).
TEST(PrefetchedHashTest, AFlippedByteChangesTheDigest) {
  std::vector<unsigned char> data = Bytes(10'000);
  const uint64_t clean = XXH3Prefetched(data.data(), data.size());
  for (size_t at : {size_t{0}, kHashStep, kPrefetchAhead, data.size() - 1}) {
    data[at] ^= 1;
    EXPECT_NE(XXH3Prefetched(data.data(), data.size()), clean) << at;
    data[at] ^= 1;
  }
}

}  // namespace
}  // namespace ticklab
