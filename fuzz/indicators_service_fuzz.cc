// Fuzz target: the indicator service's request decoding (services/indicators/indicators_service.h).
// Input: one selector byte (bit 0: ListSets or StreamIndicators; bit 2: send the token), then the
// serialized request; StreamIndicators runs the real chain to the data service.
#include "fuzz/service_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ticklab;
  using Stub = v1::IndicatorService::Stub;
  std::optional<fuzz::RequestInput> in = fuzz::RequestInput::Of(data, size);
  if (!in) return 0;
  Stub& stub = fuzz::ServiceHarness::Get().indicators();
  if (in->selector % 2 == 0) {
    fuzz::Unary(*in, stub, &Stub::ListSets);
  } else {
    fuzz::Stream(*in, stub, &Stub::StreamIndicators);
  }
  return 0;
}
