// Scratch (bench/nanobind): what both modules bind, a store file read tick by tick.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "services/data/data_source.h"
#include "services/data/store_source.h"

struct StoreCursor {
  std::unique_ptr<ticklab::DataSource> source;
  ticklab::StoreSource* store = nullptr;

  // The next tick, or nullptr at the end.
  const ticklab::Tick* Next() { return store->NextTick(); }

  static std::unique_ptr<StoreCursor> Open(const std::string& path) {
    auto opened = ticklab::GetDataSource(path, ticklab::ReadOptions());
    if (!opened.ok()) throw std::invalid_argument(opened.status().ToString());
    auto c = std::make_unique<StoreCursor>();
    c->source = std::move(opened).value();
    c->store = dynamic_cast<ticklab::StoreSource*>(c->source.get());
    if (c->store == nullptr) throw std::invalid_argument(path + ": not a store file");
    return c;
  }
};
