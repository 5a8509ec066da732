// SPDX-License-Identifier: GPL-2.0-or-later
#include "field_type.h"

namespace espcap {

const char *field_type_name(FieldType type) {
    switch (type) {
    case FieldType::keyword: return "keyword";
    case FieldType::bytes: return "bytes";
    case FieldType::long_number: return "long";
    case FieldType::unsigned_long: return "unsigned_long";
    case FieldType::double_number: return "double";
    case FieldType::ip: return "ip";
    case FieldType::date: return "date";
    case FieldType::boolean: return "boolean";
    case FieldType::object: return "object";
    case FieldType::none: break;
    }
    return "";
}

}  // namespace espcap
