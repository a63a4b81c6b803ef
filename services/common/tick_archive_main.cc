// ticklab-tickzip: Layer 1 store files <-> tick archives (tick_archive.h).
//
//   ticklab-tickzip FILE.tick...            writes FILE.tickz beside each (atomic)
//   ticklab-tickzip --check FILE.tickz...   streams each archive (Next(), block by block) and
//                                           verifies its checksum
//   ticklab-tickzip --unzip FILE.tickz...   writes FILE.tick beside each (the mmap fast path)
//
// One JSON line per file: path, ticks, bytes in and out, seconds. Errors go to stderr, exit 1
// (2 for bad usage).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "services/common/progress.h"
#include "services/common/tick_archive.h"
#include "services/common/tick_store.h"

namespace {

using namespace ticklab;
namespace fs = std::filesystem;

int Fail(const Status& st) {
  std::fprintf(stderr, "ticklab-tickzip: %s\n", st.ToString().c_str());
  return 1;
}

std::string Swap(const std::string& path, const char* ext) {
  return fs::path(path).replace_extension(ext).string();
}

Status One(const std::string& mode, const std::string& path, size_t* ticks, std::string* out) {
  if (mode == "zip") {
    TICKLAB_RETURN_IF_ERROR(ArchiveStoreFile(path, out));
    Result<TickArchiveReader> z = TickArchiveReader::Open(*out);
    if (!z.ok()) return z.status();
    *ticks = z->size();
    return Status::Ok();
  }
  Result<TickArchiveReader> r = TickArchiveReader::Open(path);
  if (!r.ok()) return r.status();
  if (mode == "check") {
    for (Tick t; r->Next(&t);) ++*ticks;
    return r->status();
  }
  std::vector<Tick> all;
  TICKLAB_RETURN_IF_ERROR(r->ReadAll(&all));
  *ticks = all.size();
  *out = Swap(path, ".tick");
  return WriteTickFile(*out, r->stock(), r->date(), all.data(), all.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = "zip";
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--check") {
      mode = "check";
    } else if (a == "--unzip") {
      mode = "unzip";
    } else if (!a.empty() && a[0] != '-') {
      files.push_back(a);
    } else {
      files.clear();
      break;
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: ticklab-tickzip [--check | --unzip] FILE...\n");
    return 2;
  }
  for (const std::string& path : files) {
    const auto t0 = std::chrono::steady_clock::now();
    size_t ticks = 0;
    std::string out;
    Status st = One(mode, path, &ticks, &out);
    if (!st.ok()) return Fail(st);
    std::error_code ec;
    JsonLine line(mode.c_str());
    line.Str("path", path).Int("ticks", static_cast<int64_t>(ticks));
    line.Int("bytes_in", static_cast<int64_t>(fs::file_size(path, ec)));
    if (!out.empty())
      line.Str("out", out).Int("bytes_out", static_cast<int64_t>(fs::file_size(out, ec)));
    line.Fixed("seconds",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 6)
        .Print();
  }
  return 0;
}
