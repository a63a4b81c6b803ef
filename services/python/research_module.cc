// The research path's readers from Python, with the GIL released: the row -> column split of
// tick_columns.h (ticks of a store file's mapping or of a tick archive into new numpy columns, for
// ticklab.io.store.ticks_frame and ticklab.io.archive.archive_columns) and the checks of a feature
// file (ticklab.io.features.read_features' verification): version 3's block checksums
// (feature_checksum.h) over the columns as Python mapped them, the rows' checksum of older files.
#include <pybind11/stl.h>

#include <new>
#include <string>
#include <vector>

#include "services/common/tick_archive.h"
#include "services/indicators/feature_checksum.h"
#include "services/indicators/feature_store.h"
#include "services/python/bindings.h"
#include "services/python/column_buffers.h"
#include "services/python/row_checksum.h"
#include "services/python/tick_columns.h"

namespace ticklab::python {

// Blocks of dropped arrays are handed to the next ones. Up to 6 free blocks: two threads' compute()
// rows (timestamps and values each) and a frame of columns.
ColumnBufferPool& BufferPool() {
  static auto* pool = new ColumnBufferPool(6);  // lives as long as the arrays it backs: forever
  return *pool;
}

namespace {

// The owner of a frame's block: its capsule is the base of every column array; the block goes back
// to the pool when the last column is dropped.
void ReleaseBlock(void* block) {
  auto* b = static_cast<ColumnBufferPool::Block*>(block);
  BufferPool().Release(*b);
  delete b;
}

// New arrays of n values for the TICK_DTYPE fields `names` (a dict name -> array, in order), all in
// one pooled block, and the columns SplitTicks fills.
py::dict NewColumns(const std::vector<std::string>& names, size_t n, std::vector<TickColumn>* out) {
  py::dict fields = TickDtype().attr("fields");
  struct Field {
    py::dtype dtype;
    size_t offset, width, at;
  };
  std::vector<Field> chosen;
  size_t bytes = 0;
  for (const std::string& name : names) {
    if (!fields.contains(name)) throw py::key_error("TICK_DTYPE has no field " + name);
    py::tuple field = fields[py::str(name)];
    py::dtype dtype = field[0].cast<py::dtype>();
    const auto offset = field[1].cast<size_t>();
    const auto width = static_cast<size_t>(dtype.itemsize());
    if ((width != 4 && width != 8) || offset + width > sizeof(Tick)) {
      throw py::value_error("TICK_DTYPE field " + name + " is not a 4- or 8-byte scalar");
    }
    chosen.push_back({dtype, offset, width, bytes});
    bytes += (n * width + 63) / 64 * 64;  // each column starts on a cache line
  }
  auto* block = new ColumnBufferPool::Block(BufferPool().Acquire(bytes));
  if (block->data == nullptr) {
    delete block;
    throw std::bad_alloc();
  }
  py::capsule owner(block, ReleaseBlock);
  py::dict arrays;
  for (size_t i = 0; i < names.size(); ++i) {
    void* data = static_cast<char*>(block->data) + chosen[i].at;
    out->push_back({chosen[i].offset, chosen[i].width, data});
    arrays[py::str(names[i])] = py::array(
        chosen[i].dtype, std::vector<py::ssize_t>{static_cast<py::ssize_t>(n)}, data, owner);
  }
  return arrays;
}

py::tuple TickColumns(const py::array& ticks, const std::vector<std::string>& names, bool checksum,
                      int threads) {
  size_t n = 0;
  const Tick* records = TickRecords(ticks, &n);
  std::vector<TickColumn> columns;
  py::dict arrays = NewColumns(names, n, &columns);
  uint64_t hash = 0;
  {
    py::gil_scoped_release release;
    SplitTicks(records, n, columns, checksum ? &hash : nullptr, threads);
  }
  return py::make_tuple(arrays, checksum ? py::object(py::int_(hash)) : py::object(py::none()));
}

py::dict ArchiveColumns(const std::string& path, const std::vector<std::string>& names) {
  TickArchiveReader reader = ValueOrThrow(TickArchiveReader::Open(path));
  std::vector<TickColumn> columns;
  py::dict arrays = NewColumns(names, reader.size(), &columns);
  Status status;
  {
    py::gil_scoped_release release;
    std::vector<Tick> block(kSplitBlock);
    size_t done = 0;
    for (bool more = true; more;) {
      size_t m = 0;
      while (m < kSplitBlock && (more = reader.Next(&block[m]))) ++m;
      SplitTicksAt(block.data(), m, done, columns);
      done += m;
    }
    status = reader.status();
    if (status.ok() && done != reader.size()) {
      status = Status::DataLoss(path + ": " + std::to_string(done) +
                                " ticks decoded, header says " + std::to_string(reader.size()));
    }
  }
  ThrowIfError(status);
  return arrays;
}

// The column views of a 1-D array (one column) or a 2-D [n, k] array (k columns) of 8-byte values
// or float32 (to widen), appended to *out.
void AppendViews(const py::array& a, size_t n, std::vector<ColumnView>* out) {
  if ((a.ndim() != 1 && a.ndim() != 2) || static_cast<size_t>(a.shape(0)) != n) {
    throw py::value_error("feature_rows_checksum: every column needs " + std::to_string(n) +
                          " values");
  }
  const bool f32 = a.dtype().kind() == 'f' && a.itemsize() == 4;
  if (!f32 && a.itemsize() != 8) {
    throw py::type_error("feature_rows_checksum: columns hold 8-byte values or float32");
  }
  const py::ssize_t k = a.ndim() == 2 ? a.shape(1) : 1;
  for (py::ssize_t j = 0; j < k; ++j) {
    const py::ssize_t step = a.ndim() == 2 ? a.strides(1) : 0;
    out->push_back({static_cast<const char*>(a.data()) + j * step, a.strides(0), f32});
  }
}

uint64_t FeatureRowsChecksum(const py::array& ts_ns, const py::array& fingerprint,
                             const py::array& values) {
  const auto n = static_cast<size_t>(ts_ns.ndim() == 1 ? ts_ns.shape(0) : 0);
  std::vector<ColumnView> columns;
  AppendViews(ts_ns, n, &columns);
  AppendViews(fingerprint, n, &columns);
  AppendViews(values, n, &columns);
  py::gil_scoped_release release;
  return RowsChecksum(n, columns);
}

// The first column (in file order: ts_ns, fingerprint, the values) whose block checksums differ
// from `checks` [n_columns, n_blocks], or -1. `columns` are 1-D arrays (one column) or 2-D
// Fortran-ordered ones (a column each), every column contiguous.
int FeatureFirstBadColumn(const std::vector<py::array>& columns, const py::array& checks,
                          uint64_t check_rows, int threads) {
  if (check_rows == 0) throw py::value_error("feature_first_bad_column: check_rows must be > 0");
  std::vector<CheckedColumn> checked;
  uint64_t n_rows = 0;
  for (const py::array& a : columns) {
    if (a.ndim() != 1 && a.ndim() != 2) throw py::value_error("columns are 1-D or 2-D arrays");
    const auto n = static_cast<uint64_t>(a.shape(0));
    if (!checked.empty() && n != n_rows) throw py::value_error("columns of different lengths");
    n_rows = n;
    const py::ssize_t elem = a.itemsize(), k = a.ndim() == 2 ? a.shape(1) : 1;
    if (n > 1 && (a.strides(0) != elem || (k > 1 && a.strides(1) != elem * a.shape(0)))) {
      throw py::value_error("feature_first_bad_column: every column must be contiguous");
    }
    for (py::ssize_t j = 0; j < k; ++j) {
      checked.push_back({static_cast<const char*>(a.data()) + j * elem * a.shape(0),
                         static_cast<size_t>(elem), nullptr});
    }
  }
  const uint64_t blocks = FeatureCheckBlocks(n_rows, check_rows);
  if (checks.dtype().kind() != 'u' || checks.itemsize() != 8 || checks.ndim() != 2 ||
      static_cast<size_t>(checks.shape(0)) != checked.size() ||
      static_cast<uint64_t>(checks.shape(1)) != blocks ||
      (blocks > 0 && (checks.strides(1) != 8 || checks.strides(0) != 8 * checks.shape(1)))) {
    throw py::value_error("feature_first_bad_column: checks must be a C-ordered uint64 array [" +
                          std::to_string(checked.size()) + ", " + std::to_string(blocks) + "]");
  }
  for (size_t c = 0; c < checked.size(); ++c)
    checked[c].expected = static_cast<const uint64_t*>(checks.data()) + c * blocks;
  py::gil_scoped_release release;
  return FirstBadColumn(checked, n_rows, check_rows, threads);
}

}  // namespace

void RegisterResearch(py::module_& m) {
  m.def("tick_columns", &TickColumns, py::arg("ticks"), py::arg("names"), py::kw_only(),
        py::arg("checksum") = true, py::arg("threads") = 1,
        R"(The TICK_DTYPE fields `names` of `ticks` as new contiguous arrays, in one pass with the
GIL released: (dict name -> array, XXH64 of the records or None when checksum=False). threads=2
lets a helper thread copy the blocks the caller has not reached yet, as the two get to them (the
hash stays on the caller). Thread-safety: `ticks` is only read.)");
  m.def("archive_columns", &ArchiveColumns, py::arg("path"), py::arg("names"),
        R"(The TICK_DTYPE fields `names` of every tick of the tick archive `path` (.tickz) as new
arrays (dict name -> array), decoded block by block with the GIL released; the records' checksum
is verified (DataLossError naming the file on a mismatch or a corrupt block).)");
  m.def("feature_rows_checksum", &FeatureRowsChecksum, py::arg("ts_ns"), py::arg("fingerprint"),
        py::arg("values"),
        R"(XXH64 of a feature file's rows in version 1's layout (ts_ns, fingerprint, values widened
to float64) from its columns, any strides (a mapped file's views), in C++ with the GIL released:
what a .feat file's rows_checksum is compared with.)");
  m.def("feature_first_bad_column", &FeatureFirstBadColumn, py::arg("columns"), py::arg("checks"),
        py::arg("check_rows"), py::kw_only(), py::arg("threads") = 1,
        R"(Checks a version 3 feature file's columns (views of its map: ts_ns, fingerprint and the
values, 1-D arrays or a 2-D Fortran-ordered one) against its block checksums `checks` (uint64
[n_columns, n_blocks]) in C++ with the GIL released (threads=2: a helper thread shares the
columns as they come): the index of the first column with a mismatching block, or -1 when all
match.)");
  m.def(
      "verify_feature_file",
      [](const std::string& path, int threads) {
        Status status;
        {
          py::gil_scoped_release release;
          Result<FeatureReader> reader = FeatureReader::Open(path);
          status = reader.ok() ? reader->Verify(threads) : reader.status();
        }
        ThrowIfError(status);
      },
      py::arg("path"), py::kw_only(), py::arg("threads") = 1,
      R"(Checks the feature file `path` (.feat, any version) in C++, the GIL released: version 3's
block checksums (a compressed file's frames as decoded), older versions' rows checksum.
DataLossError naming the file (and the column) on a mismatch.)");
  m.def(
      "release_column_buffers", [] { return BufferPool().Trim(); },
      R"(Unmaps the memory kept from dropped arrays (at most 6 blocks of column frames and of
compute()'s rows are kept for the next tick_columns / archive_columns / compute); returns the
bytes given back.)");
}

}  // namespace ticklab::python
