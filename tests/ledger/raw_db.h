// The ledger's RocksDB opened directly, bypassing the store, as an attacker, a failing disk
// or an auditor's probe would: for tests that damage or inspect what is stored.
#pragma once

#include <rocksdb/db.h>

#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace caseledger::testing {

// Opens the ledger's RocksDB directly and hands `edit` the database and its column families.
inline void WithRaw(
    const std::string& dir,
    const std::function<void(rocksdb::DB*, std::map<std::string, rocksdb::ColumnFamilyHandle*>&)>&
        edit) {
  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (auto& n : names) descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  REQUIRE(rocksdb::DB::Open(rocksdb::Options(), dir, descriptors, &handles, &db).ok());
  std::map<std::string, rocksdb::ColumnFamilyHandle*> cfs;
  for (size_t i = 0; i < names.size(); ++i) cfs[names[i]] = handles[i];
  edit(db, cfs);
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
}

}  // namespace caseledger::testing
