// ticklab.core.Tick: a Tick as a small CPython object holding the 80-byte record inline.
//
// Written against the C API rather than as a pybind11 class because a source's next() creates one
// per tick: a plain object with member descriptors costs one allocation, while a pybind11 instance
// also allocates the value and registers it in pybind11's instance map (about half the time of a
// next() call, bench/bench_bindings.py).
#include "services/python/bindings.h"  // first: Python.h before structmember.h

#include <structmember.h>

#include <cstddef>
#include <string>

namespace ticklab::python {
namespace {

struct TickObject {
  PyObject_HEAD Tick tick;
};

PyTypeObject* tick_type = nullptr;

constexpr Py_ssize_t At(size_t member) {
  return static_cast<Py_ssize_t>(offsetof(TickObject, tick) + member);
}

PyMemberDef kMembers[] = {
    {"timestamp", T_LONGLONG, At(offsetof(Tick, ts_ns)), READONLY, "UTC ns since the epoch"},
    {"ts_ns", T_LONGLONG, At(offsetof(Tick, ts_ns)), READONLY, "UTC ns since the epoch"},
    {"fingerprint", T_ULONGLONG, At(offsetof(Tick, fingerprint)), READONLY, "stable 64-bit id"},
    {"bidPrice", T_DOUBLE, At(offsetof(Tick, bid_price)), READONLY, nullptr},
    {"bid_price", T_DOUBLE, At(offsetof(Tick, bid_price)), READONLY, nullptr},
    {"bidSize", T_DOUBLE, At(offsetof(Tick, bid_size)), READONLY, nullptr},
    {"bid_size", T_DOUBLE, At(offsetof(Tick, bid_size)), READONLY, nullptr},
    {"askPrice", T_DOUBLE, At(offsetof(Tick, ask_price)), READONLY, nullptr},
    {"ask_price", T_DOUBLE, At(offsetof(Tick, ask_price)), READONLY, nullptr},
    {"askSize", T_DOUBLE, At(offsetof(Tick, ask_size)), READONLY, nullptr},
    {"ask_size", T_DOUBLE, At(offsetof(Tick, ask_size)), READONLY, nullptr},
    {"tradePrice", T_DOUBLE, At(offsetof(Tick, trade_price)), READONLY, "last trade so far"},
    {"trade_price", T_DOUBLE, At(offsetof(Tick, trade_price)), READONLY, "last trade so far"},
    {"tradeSize", T_DOUBLE, At(offsetof(Tick, trade_size)), READONLY, nullptr},
    {"trade_size", T_DOUBLE, At(offsetof(Tick, trade_size)), READONLY, nullptr},
    {"seq", T_UINT, At(offsetof(Tick, seq)), READONLY, "index among equal timestamps"},
    {"symbol", T_UINT, At(offsetof(Tick, symbol)), READONLY, "index into the source's symbols"},
    {nullptr, 0, 0, 0, nullptr},
};

const Tick& Of(PyObject* self) { return reinterpret_cast<TickObject*>(self)->tick; }

// Interned strings for `type` (by which of the B, A, T sides changed) and the field names, made
// once: reading t.type per tick then allocates nothing. Guarded by the GIL.
PyObject* type_strings[8] = {};
PyObject* field_strings[kNumFields + 1] = {};

PyObject* Interned(PyObject** slot, const std::string& text) {
  if (*slot == nullptr) *slot = PyUnicode_InternFromString(text.c_str());
  Py_XINCREF(*slot);
  return *slot;
}

PyObject* GetType(PyObject* self, void*) {
  const Tick& t = Of(self);
  const uint32_t m = t.field_mask();
  const int sides = ((m & 0x3) != 0) | ((m & 0xC) != 0) << 1 | ((m & 0x30) != 0) << 2;
  return Interned(&type_strings[sides], t.type());
}

PyObject* GetEvents(PyObject* self, void*) {
  const Tick& t = Of(self);
  PyObject* names = PyTuple_New(t.event_count());
  if (names == nullptr) return nullptr;
  for (int i = 0; i < t.event_count(); ++i) {
    const auto field = static_cast<size_t>(t.event(i));
    PyObject* name = field <= kNumFields ? Interned(&field_strings[field], FieldName(t.event(i)))
                                         : PyUnicode_FromString(FieldName(t.event(i)));
    if (name == nullptr) {
      Py_DECREF(names);
      return nullptr;
    }
    PyTuple_SET_ITEM(names, i, name);
  }
  return names;
}

PyGetSetDef kGetSets[] = {
    {"type", GetType, nullptr, "\"B\", \"A\", \"T\" for the sides it changed, e.g. \"BT\"",
     nullptr},
    {"events", GetEvents, nullptr, "its field events in order: (\"BID\", ...)", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyObject* Repr(PyObject* self) {
  const Tick& t = Of(self);
  std::string s = "Tick(timestamp=" + std::to_string(t.ts_ns) + ", type='" + t.type() +
                  "', bid=" + py::repr(py::float_(t.bid_price)).cast<std::string>() +
                  ", ask=" + py::repr(py::float_(t.ask_price)).cast<std::string>() +
                  ", trade=" + py::repr(py::float_(t.trade_price)).cast<std::string>() + ")";
  return PyUnicode_FromString(s.c_str());
}

// Freed Ticks kept for reuse: a loop over next() frees one Tick per new one, and taking it back
// from here skips the allocator (about a tenth of a next() call). Guarded by the GIL.
constexpr int kFreeListSize = 32;
PyObject* free_list[kFreeListSize];
int free_count = 0;

void Dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  if (free_count < kFreeListSize) {
    free_list[free_count++] = self;
  } else {
    PyObject_Free(self);
  }
  Py_DECREF(type);  // instances of a heap type hold a reference to it
}

const char kDoc[] =
    "One Layer 1 tick (services/common/tick.h): the top of book and last trade after its field\n"
    "events. Attributes in the seed's names (bidPrice ...) and snake_case; `timestamp` is UTC\n"
    "nanoseconds since the epoch. Thread-safety: an immutable value.";

PyType_Slot kSlots[] = {
    {Py_tp_members, kMembers},
    {Py_tp_getset, kGetSets},
    {Py_tp_repr, reinterpret_cast<void*>(Repr)},
    {Py_tp_dealloc, reinterpret_cast<void*>(Dealloc)},
    {Py_tp_doc, const_cast<char*>(kDoc)},
    {0, nullptr},
};

PyType_Spec kSpec = {"ticklab.core.Tick", sizeof(TickObject), 0, Py_TPFLAGS_DEFAULT, kSlots};

}  // namespace

void RegisterTickType(py::module_& m) {
  tick_type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&kSpec));
  if (tick_type == nullptr) throw py::error_already_set();
  m.attr("Tick") = py::handle(reinterpret_cast<PyObject*>(tick_type));
}

PyObject* NewTickObject(const Tick& tick) {
  TickObject* o =
      free_count > 0
          ? reinterpret_cast<TickObject*>(PyObject_Init(free_list[--free_count], tick_type))
          : PyObject_New(TickObject, tick_type);
  if (o != nullptr) o->tick = tick;
  return reinterpret_cast<PyObject*>(o);
}

const Tick* TickFromObject(py::handle object) {
  if (Py_TYPE(object.ptr()) != tick_type) return nullptr;
  return &Of(object.ptr());
}

}  // namespace ticklab::python
