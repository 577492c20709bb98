#pragma once

#include <QString>

namespace pds {

// How a list endpoint pages: v2 cursors, v1 offsets, or not at all (v1 users).
enum class Paging { None, Offset, Cursor };

struct Endpoint
{
    QString path; // e.g. "/api/v2/deals"
    Paging paging = Paging::None;
    int tokenCost = 0; // x-token-cost in the OpenAPI files
};

// The endpoints the sync reads, with their costs from the OpenAPI files (API-NOTES §4).
namespace endpoints {
Endpoint usersMe();
Endpoint users();
Endpoint organizations();
Endpoint persons();
Endpoint deals();
Endpoint archivedDeals();
Endpoint activities();
Endpoint notes();
Endpoint pipelines();
Endpoint stages();
Endpoint activityTypes();
Endpoint dealFields();
Endpoint personFields();
Endpoint organizationFields();
Endpoint activityFields();
Endpoint noteFields();
} // namespace endpoints

} // namespace pds
