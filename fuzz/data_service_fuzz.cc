// Fuzz target: the data service's request decoding (services/data/data_service.h). Input: one
// selector byte (bits 0-1: ListStocks, ListDates, StreamTicks; bit 2: send the token), then the
// serialized request. Parsed requests go through gRPC into the handler, as from a remote client.
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
      v1::ListStocksRequest req;
      v1::ListStocksResponse resp;
      if (req.ParseFromArray(bytes, n))
        (void)h.data().ListStocks(h.Context(token).get(), req, &resp);
      break;
    }
    case 1: {
      v1::ListDatesRequest req;
      v1::ListDatesResponse resp;
      if (req.ParseFromArray(bytes, n))
        (void)h.data().ListDates(h.Context(token).get(), req, &resp);
      break;
    }
    default: {
      v1::StreamTicksRequest req;
      if (!req.ParseFromArray(bytes, n)) break;
      auto context = h.Context(token);
      (void)fuzz::ServiceHarness::Drain(h.data().StreamTicks(context.get(), req));
    }
  }
  return 0;
}
