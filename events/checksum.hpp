// CRC-32C over a record, so a record damaged on disk is detected before it
// is decoded (RocksDB's block checksums do not cover bugs above the DB).
#pragma once

#include <cstdint>
#include <string_view>

namespace tillroll {

/// Uses the CPU's crc32 instruction where there is one.
uint32_t crc32c(std::string_view bytes) noexcept;

/// The table-driven fallback; the same result everywhere.
uint32_t crc32c_portable(std::string_view bytes) noexcept;

} // namespace tillroll
