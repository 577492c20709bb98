#pragma once

#include <QString>
#include <QUrl>

namespace pds {

// Where a record lives in Pipedrive's web app, for the Problems view: deals, persons and
// organizations have a page each, users a details page; activities have no page of their own
// (their list opens), notes neither (no link). `companyDomain` as saved ("acme", a full URL).
QUrl pipedriveWebLink(const QString &companyDomain, const QString &entity, qint64 pipedriveId);

} // namespace pds
