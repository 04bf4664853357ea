#include "tools/common.h"

#include <filesystem>
#include <iostream>

#include "ledger/json_codec.h"

namespace caseledger::tools {

int Fail(const Status& status) {
  std::cerr << ledger::StatusToJson(status) << "\n";
  return status.code() == Code::kDataLoss ? kDamaged : kRefused;
}

Result<Ledger> OpenLedger(const Common& common, ledger::Clock& clock, bool read_only,
                          bool serving) {
  Ledger out;
  if (!read_only) {
    std::filesystem::create_directories(common.data_dir);
    projections::RulesOptions rules;
    rules.documents_must_be_stored = serving;
    out.rules = std::make_unique<projections::DomainRules>(rules);
  }
  ledger::StoreOptions options;
  options.clock = &clock;
  options.read_only = read_only;
  options.guard = out.rules.get();
  CL_ASSIGN_OR_RETURN(out.store, ledger::Store::Open(common.data_dir, options));
  if (out.rules) out.rules->Attach(out.store.get());
  return out;
}

}  // namespace caseledger::tools
