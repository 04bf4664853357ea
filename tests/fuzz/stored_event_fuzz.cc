// Fuzz target: bytes as if read from the events column family (or an export), through the
// stored-bytes decoder (ledger/domain_event.h), the JSON encoder, and the opening of sealed
// fields under a fixed family key (ledger/sealing.h): damaged or hostile bytes must give an
// error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ledger/domain_event.h"
#include "ledger/json_codec.h"
#include "ledger/sealing.h"

namespace cl = caseledger::ledger;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cl::RecordedEvent recorded;
  recorded.seq = 1;
  recorded.stream = "family/F1";
  recorded.version = 1;
  recorded.bytes.assign(reinterpret_cast<const char*>(data), size);
  (void)cl::ev::Decode(recorded);
  (void)cl::EventToJson(recorded, true);
  (void)cl::HasSealedFields(recorded.bytes);
  static const cl::FamilyKey key{1, cl::Key256{}};
  auto opened = cl::OpenFields(recorded.bytes, "F1", [](uint32_t id) -> const cl::FamilyKey* {
    return id == key.id ? &key : nullptr;
  });
  if (opened.ok() && !opened->empty()) {
    recorded.opened = *opened;
    (void)cl::ev::Decode(recorded);
  }
  (void)cl::BlobKeyId(recorded.bytes);
  return 0;
}
