// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include "bulk_client.h"
#include "missing_privilege.h"

using espcap::exporter::missing_privilege;

// Replies of the secured test node (tests/es-server start --secure), trimmed.
TEST_CASE("A 403 names the missing privilege and the role to add it to", "[export][security]") {
    CHECK(missing_privilege(
              R"({"error":{"type":"security_exception","reason":"action [indices:admin/index_template/put] is )"
              R"(unauthorized for user [monitor_only] with effective roles [espcap_monitor_only], this action is )"
              R"(granted by the cluster privileges [manage_index_templates,manage,all]"},"status":403})") ==
          "the cluster privilege manage_index_templates is missing (for indices:admin/index_template/put): add it "
          "to role espcap_monitor_only");
    CHECK(missing_privilege(
              "security_exception: action [indices:admin/auto_create] is unauthorized for user [s] with roles "
              "[a,b] on indices [packets-2004-05-13], this action is granted by the index privileges "
              "[auto_configure,create_index,manage,all]") ==
          "the index privilege auto_configure is missing (for indices:admin/auto_create on packets-2004-05-13): add "
          "it to one of roles a,b");
}

TEST_CASE("A 403 that names no privilege is described as before", "[export][security]") {
    CHECK(missing_privilege(R"({"error":"forbidden"})").empty());
    CHECK(missing_privilege("action [x] is unauthorized").empty());
    CHECK(espcap::exporter::describe_http_failure(403, "") ==
          "HTTP 403 (forbidden: the credentials lack a privilege this needs)");
}
