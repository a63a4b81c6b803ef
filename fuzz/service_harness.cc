#include "fuzz/service_harness.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "fuzz/fuzz_input.h"
#include "services/common/session.h"
#include "services/data/ingest.h"

namespace ticklab::fuzz {
namespace fs = std::filesystem;
namespace {

constexpr char kToken[] = "fuzz-token";

[[noreturn]] void Fail(const std::string& what, const Status& st) {
  std::fprintf(stderr, "service harness: %s: %s\n", what.c_str(), st.ToString().c_str());
  std::abort();
}

std::string SourceDir() {
  const char* env = std::getenv("TICKLAB_SOURCE_DIR");
  return env != nullptr ? env : TICKLAB_SOURCE_DIR;
}

}  // namespace

ServiceHarness& ServiceHarness::Get() {
  static ServiceHarness* harness = new ServiceHarness();  // lives until exit (threads inside)
  return *harness;
}

ServiceHarness::ServiceHarness() {
  const std::string root = Scratch::Get().dir() + "/services";
  std::error_code ec;
  fs::create_directories(root + "/raw/csv", ec);
  fs::copy_file(SourceDir() + "/tests/data/csv/2024-01-02.csv", root + "/raw/csv/2024-01-02.csv",
                fs::copy_options::overwrite_existing, ec);
  const std::string toml = "[data]\nroot = \"" + root +
                           "\"\n[universe]\nstocks = [\"AAPL\", \"MSFT\"]\n"
                           "[services]\ntoken = \"" +
                           kToken +
                           "\"\n[stats]\nhorizons_ticks = [1, 5]\n"
                           "[[indicator_sets]]\nname = \"seed\"\n"
                           "[[indicator_sets.indicators]]\nkind = \"seed\"\n";
  Result<Config> config = ParseConfig(toml, root + "/fuzz.toml");
  if (!config.ok()) Fail("config", config.status());
  config_ = std::move(*config);
  config_.services.token = kToken;  // not TICKLAB_TOKEN from the fuzzing shell
  IngestOptions ingest;
  ingest.threads = 1;
  if (Result<IngestSummary> done = RunIngest(config_, ingest); !done.ok()) {
    Fail("ingest", done.status());
  }
  Result<Session> session = Session::Create(config_.session);
  if (!session.ok()) Fail("session", session.status());

  // One in-process server per service, chained as in production: indicators reads from data,
  // stats from indicators and data; upstream calls carry the token.
  const CallAuth auth(kToken);
  data_service_ = std::make_unique<DataServiceImpl>(config_.data.store_dir, &shutdown_, auth);
  data_server_ = Start(data_service_.get());
  auto data_channel = [&] {
    return data_server_->experimental().InProcessChannelWithInterceptors(grpc::ChannelArguments(),
                                                                         TokenInterceptors(kToken));
  };
  indicator_service_ =
      std::make_unique<IndicatorServiceImpl>(&config_, *session, data_channel(), &shutdown_, auth);
  indicators_server_ = Start(indicator_service_.get());
  stats_service_ = std::make_unique<StatsServiceImpl>(
      &config_, *session,
      indicators_server_->experimental().InProcessChannelWithInterceptors(
          grpc::ChannelArguments(), TokenInterceptors(kToken)),
      "in-process", data_channel(), "in-process", &shutdown_, auth);
  stats_server_ = Start(stats_service_.get());
  const grpc::ChannelArguments args;
  data_ = v1::DataService::NewStub(data_server_->InProcessChannel(args));
  indicators_ = v1::IndicatorService::NewStub(indicators_server_->InProcessChannel(args));
  stats_ = v1::StatsService::NewStub(stats_server_->InProcessChannel(args));
}

std::unique_ptr<grpc::Server> ServiceHarness::Start(grpc::Service* service) {
  grpc::ServerBuilder builder;
  ApplyServerLimits(&builder);
  builder.RegisterService(service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) Fail("in-process server", Status::Internal("BuildAndStart failed"));
  return server;
}

std::unique_ptr<grpc::ClientContext> ServiceHarness::Context(bool with_token) const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  if (with_token) context->AddMetadata("authorization", std::string("Bearer ") + kToken);
  return context;
}

}  // namespace ticklab::fuzz
