#include "index_template.h"

#include <nlohmann/json.hpp>

namespace espcap::exporter {
namespace {

// Each protocol seen adds its fields; a busy day of mixed traffic stays well below.
constexpr int kTotalFieldsLimit = 10000;
constexpr int kKeywordIgnoreAbove = 1024;
// Above the built-in logs/metrics templates (100), so ours applies to PREFIX-*.
constexpr int kPriority = 200;

}  // namespace

std::string index_template_name(const std::string &index_prefix) { return "espcap-" + index_prefix; }

std::string index_template_body(const std::string &index_prefix) {
    using nlohmann::json;
    // A value that does not parse as the mapped type is kept in _source rather than
    // rejecting the packet's whole document.
    const json tolerant_date = {{"type", "date"}, {"ignore_malformed", true}};
    json epoch_millis_date = tolerant_date;
    epoch_millis_date["format"] = "epoch_millis";
    json body = {
        {"index_patterns", json::array({index_prefix + "-*"})},
        {"priority", kPriority},
        {"_meta", {{"created_by", "espcap"}}},
        {"template",
         {{"settings", {{"index.mapping.total_fields.limit", kTotalFieldsLimit}}},
          {"mappings",
           {{"date_detection", false},
            {"dynamic_templates",
             json::array({{{"strings_as_keywords",
                            {{"match_mapping_type", "string"},
                             {"mapping", {{"type", "keyword"}, {"ignore_above", kKeywordIgnoreAbove}}}}}}})},
            {"properties",
             {{"timestamp", epoch_millis_date},
              {"sniff_timestamp", {{"type", "double"}}},
              {"sniff_date_utc", tolerant_date},
              {"file_date_utc", tolerant_date},
              {"file_name", {{"type", "keyword"}}},
              {"protocol", {{"type", "keyword"}}}}}}}}}};
    return body.dump();
}

}  // namespace espcap::exporter
