// Fuzz target: the stats service's request decoding (services/stats/stats_service.h). Input: one
// selector byte (bits 0-1: Compute, GetDayStats, Pool; bit 2: send the token), then the serialized
// request. Compute writes to the harness's own database (dry runs to a temporary one).
#include "fuzz/service_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ticklab;
  using Stub = v1::StatsService::Stub;
  std::optional<fuzz::RequestInput> in = fuzz::RequestInput::Of(data, size);
  if (!in) return 0;
  Stub& stub = fuzz::ServiceHarness::Get().stats();
  switch (in->selector % 3) {
    case 0:
      fuzz::Stream(*in, stub, &Stub::Compute);
      break;
    case 1:
      fuzz::Unary(*in, stub, &Stub::GetDayStats);
      break;
    default:
      fuzz::Unary(*in, stub, &Stub::Pool);
  }
  return 0;
}
