// Fuzz target: the data service's request decoding (services/data/data_service.h). Input: one
// selector byte (bits 0-1: ListStocks, ListDates, StreamTicks; bit 2: send the token), then the
// serialized request. Parsed requests go through gRPC into the handler, as from a remote client.
#include "fuzz/service_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ticklab;
  using Stub = v1::DataService::Stub;
  std::optional<fuzz::RequestInput> in = fuzz::RequestInput::Of(data, size);
  if (!in) return 0;
  Stub& stub = fuzz::ServiceHarness::Get().data();
  switch (in->selector % 3) {
    case 0:
      fuzz::Unary(*in, stub, &Stub::ListStocks);
      break;
    case 1:
      fuzz::Unary(*in, stub, &Stub::ListDates);
      break;
    default:
      fuzz::Stream(*in, stub, &Stub::StreamTicks);
  }
  return 0;
}
