// A fixture shared by the recovery and preallocation tests: a closed log of 12 records in one plain segment,
// ready for file surgery.
#pragma once

#include <gtest/gtest.h>

#include "audit_test_util.h"

namespace bulkhead::audit::testing {

class ClosedLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = AuditLog::open(options(), clock_);
    ASSERT_TRUE(log);
    for (int i = 0; i < 12; ++i) ASSERT_TRUE((*log)->append_and_wait(sample_record("a", i)));
  }
  fs::path log_dir() const { return dir_ / "log"; }
  fs::path segment() const { return only_segment(log_dir()); }
  AuditOptions options() const { return options_for(log_dir(), dir_ / "key.pem"); }

  ScratchDir dir_{"closed-log"};
  core::SystemClock clock_;
};

}  // namespace bulkhead::audit::testing
