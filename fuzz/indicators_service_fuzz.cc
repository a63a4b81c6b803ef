// Fuzz target: the indicator service's request decoding (services/indicators/indicators_service.h).
// Input: one selector byte (bit 0: ListSets or StreamIndicators; bit 2: send the token), then the
// serialized request; StreamIndicators runs the real chain to the data service.
#include "fuzz/service_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ticklab;
  if (size == 0) return 0;
  auto& h = fuzz::ServiceHarness::Get();
  const bool token = (data[0] & 4) != 0;
  const void* bytes = data + 1;
  const int n = static_cast<int>(size - 1);
  if (data[0] % 2 == 0) {
    v1::ListSetsRequest req;
    v1::ListSetsResponse resp;
    if (req.ParseFromArray(bytes, n))
      (void)h.indicators().ListSets(h.Context(token).get(), req, &resp);
    return 0;
  }
  v1::StreamIndicatorsRequest req;
  if (!req.ParseFromArray(bytes, n)) return 0;
  auto context = h.Context(token);
  (void)fuzz::ServiceHarness::Drain(h.indicators().StreamIndicators(context.get(), req));
  return 0;
}
