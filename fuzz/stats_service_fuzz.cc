// Fuzz target: the stats service's request decoding (services/stats/stats_service.h). Input: one
// selector byte (bits 0-1: Compute, GetDayStats, Pool; bit 2: send the token), then the serialized
// request. Compute writes to the harness's own database (dry runs to a temporary one).
#include "fuzz/service_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ticklab;
  if (size == 0) return 0;
  auto& h = fuzz::ServiceHarness::Get();
  const bool token = (data[0] & 4) != 0;
  const void* bytes = data + 1;
  const int n = static_cast<int>(size - 1);
  switch (data[0] % 3) {
    case 0: {
      v1::ComputeRequest req;
      if (!req.ParseFromArray(bytes, n)) break;
      auto context = h.Context(token);
      (void)fuzz::ServiceHarness::Drain(h.stats().Compute(context.get(), req));
      break;
    }
    case 1: {
      v1::GetDayStatsRequest req;
      v1::DayStats resp;
      if (req.ParseFromArray(bytes, n))
        (void)h.stats().GetDayStats(h.Context(token).get(), req, &resp);
      break;
    }
    default: {
      v1::PoolRequest req;
      v1::PoolResponse resp;
      if (req.ParseFromArray(bytes, n)) (void)h.stats().Pool(h.Context(token).get(), req, &resp);
    }
  }
  return 0;
}
