#include "services/indicators/tick_input.h"

#include <xxhash.h>

#include <cstring>

namespace ticklab {

Result<TickInput> TickInput::Open(const std::string& path, bool verify) {
  Result<MappedFile> file = MappedFile::Open(path);
  if (!file.ok()) return file.status();
  TickInput in;
  if (file->size() >= sizeof(kTickStoreMagic) &&
      std::memcmp(file->data(), kTickStoreMagic, sizeof(kTickStoreMagic)) == 0) {
    TickFileOptions options;
    options.verify_checksum = verify;
    Result<TickFile> store = TickFile::Open(path, options);
    if (!store.ok()) return store.status();
    in.store_.emplace(std::move(store).value());
    in.ticks_ = in.store_->data();
    in.n_ = in.store_->size();
    in.fingerprint_ = in.store_->checksum();
    in.have_fingerprint_ = true;
    in.stock_ = in.store_->stock();
    return in;
  }
  if (file->size() % sizeof(Tick) != 0) {
    return Status::DataLoss(path + ": neither a tick store file nor a dump of 80-byte Ticks (" +
                            std::to_string(file->size()) + " bytes)");
  }
  in.dump_.emplace(std::move(file).value());
  in.ticks_ = reinterpret_cast<const Tick*>(in.dump_->data());
  in.n_ = in.dump_->size() / sizeof(Tick);
  return in;
}

uint64_t TickInput::Fingerprint() const {
  if (!have_fingerprint_) {
    fingerprint_ = XXH64(ticks_, n_ * sizeof(Tick), 0);
    have_fingerprint_ = true;
  }
  return fingerprint_;
}

}  // namespace ticklab
