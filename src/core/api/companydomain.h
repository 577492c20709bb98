#pragma once

#include <QString>
#include <QUrl>

namespace pds {

// The base URL of a company's API from what a user types: "acme", "acme.pipedrive.com" or a full
// URL. https only; plain http only for loopback hosts (the tests' fake server). Returns an invalid
// URL and sets *error (in words) for anything else.
QUrl baseUrlForCompany(const QString &input, QString *error = nullptr);

bool isLoopbackHost(const QString &host);

} // namespace pds
