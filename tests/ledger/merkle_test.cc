#include <catch2/catch.hpp>

#include "ledger/merkle.h"
