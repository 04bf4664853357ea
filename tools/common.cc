#include "tools/common.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "ledger/json_codec.h"

namespace caseledger::tools {

int Fail(const Status& status) {
  std::cerr << ledger::StatusToJson(status) << "\n";
  return status.code() == Code::kDataLoss ? kDamaged : kRefused;
}

namespace {

// A secret key file: one line, mode 0600, written once (never replaced) and synced.
Status WriteSecretFile(const std::string& path, const std::string& line, const std::string& what) {
  const std::string text = line + "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ok && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  return ok ? Status() : Status::Unavailable("cannot write the " + what + " " + path);
}

// Its line; nullopt when the file does not exist. kUnavailable when others may read it.
Result<std::optional<std::string>> ReadSecretFile(const std::string& path,
                                                  const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::optional<std::string>();
  if ((st.st_mode & 077) != 0) {
    return Status::Unavailable("the " + what + " " + path +
                               " is readable by others: chmod 600 it (and consider it exposed)");
  }
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return std::optional<std::string>(line);
}

}  // namespace

std::string Common::Secret(const std::string& flag, const std::string& name) const {
  if (!flag.empty()) return flag;
  if (const char* credentials = std::getenv("CREDENTIALS_DIRECTORY"); credentials && *credentials) {
    const std::string path = std::string(credentials) + "/" + name;
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return path;
  }
  return data_dir + "/" + name;
}

Result<ledger::NoteSigner> SigningKey(const Common& common, const std::string& name, bool create) {
  const std::string path = common.KeyFile();
  CL_ASSIGN_OR_RETURN(auto text, ReadSecretFile(path, "signing key"));
  if (text) {
    auto signer = ledger::ParseSignerKey(*text);
    if (!signer.ok()) return Status::Unavailable("the signing key " + path + " is damaged");
    return signer;
  }
  if (!create) {
    return Status::NotFound("no signing key at " + path +
                            " (it is made when the ledger is first written)");
  }
  CL_ASSIGN_OR_RETURN(ledger::NoteSigner signer, ledger::GenerateSigner(name));
  CL_RETURN_IF_ERROR(WriteSecretFile(path, signer.ToText(), "signing key"));
  spdlog::info("made the checkpoint signing key {} (keep a copy offline); verifier key {}", path,
               signer.verifier.ToText());
  return signer;
}

Result<std::optional<ledger::Key256>> MasterKey(const Common& common, bool create) {
  const std::string path = common.MasterKeyFile();
  CL_ASSIGN_OR_RETURN(auto text, ReadSecretFile(path, "master key"));
  if (text) {
    auto key = ledger::HashFromHex(*text);
    if (!key.ok()) return Status::Unavailable("the master key " + path + " is damaged");
    return std::optional<ledger::Key256>(*key);
  }
  if (!create) return std::optional<ledger::Key256>();
  CL_ASSIGN_OR_RETURN(ledger::Key256 key, ledger::RandomKey());
  CL_RETURN_IF_ERROR(WriteSecretFile(path, ledger::ToHex(key.data(), key.size()), "master key"));
  spdlog::info(
      "made the master key {}: without it no personal data can be read; keep a copy "
      "offline, apart from the data and its backups",
      path);
  return std::optional<ledger::Key256>(key);
}

Result<Ledger> OpenLedger(const Common& common, ledger::Clock& clock, bool read_only,
                          bool serving) {
  Ledger out;
  if (!read_only) {
    std::filesystem::create_directories(common.data_dir);
    projections::RulesOptions rules;
    rules.documents_must_be_stored = serving;
    rules.check_permission = serving;
    out.rules = std::make_unique<projections::DomainRules>(rules);
  }
  ledger::StoreOptions options;
  options.clock = &clock;
  options.read_only = read_only;
  options.guard = out.rules.get();
  // A master key is made only with a new ledger: an existing one whose key is missing (a
  // restore without it, a wrong --master-key) must not start sealing under another key.
  const bool new_ledger = !std::filesystem::exists(common.data_dir + "/CURRENT");
  CL_ASSIGN_OR_RETURN(options.master_key, MasterKey(common, !read_only && new_ledger));
  if (!read_only && !options.master_key) {
    return Status::Unavailable(
        "no master key at " + common.MasterKeyFile() +
        ": put back the ledger's master key (it is not in backups), or give --master-key. For "
        "a ledger made before sealing, make one: head -c 32 /dev/urandom | xxd -p -c 64 > " +
        common.MasterKeyFile() + " && chmod 600 " + common.MasterKeyFile());
  }
  CL_ASSIGN_OR_RETURN(out.store, ledger::Store::Open(common.data_dir, options));
  out.cache = std::make_unique<projections::FamilyCache>(*out.store, common.cache_mib << 20);
  if (out.rules) out.rules->Attach(out.store.get(), out.cache.get());
  if (!read_only) {
    CL_ASSIGN_OR_RETURN(out.signer,
                        SigningKey(common, out.store->CurrentCheckpoint().origin, true));
    out.has_signer = true;
  }
  return out;
}

Result<Ledger> OpenReplica(const Common& common, const std::string& primary_dir,
                           ledger::Clock& clock) {
  std::error_code ec;
  if (std::filesystem::weakly_canonical(common.data_dir, ec) ==
      std::filesystem::weakly_canonical(primary_dir, ec)) {
    // The replica's info logs would overwrite the primary's.
    return Status::InvalidArgument(
        "--data is the replica's own folder, not the primary's: give another folder", "data");
  }
  Ledger out;
  ledger::StoreOptions options;
  options.clock = &clock;
  options.replica_of = primary_dir;
  CL_ASSIGN_OR_RETURN(out.store, ledger::Store::Open(common.data_dir, options));
  out.cache = std::make_unique<projections::FamilyCache>(*out.store, common.cache_mib << 20);
  Common primary = common;
  if (primary.key_file.empty()) primary.key_file = primary_dir + "/checkpoint.key";
  auto signer = SigningKey(primary, out.store->CurrentCheckpoint().origin, false);
  if (signer.ok()) {
    out.signer = std::move(signer).value();
    out.has_signer = true;
  } else {
    spdlog::warn("replica: no checkpoint signing key ({}): /v1/ledger/checkpoint answers 503",
                 signer.status().message());
  }
  return out;
}

}  // namespace caseledger::tools
