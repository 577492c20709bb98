#pragma once

#include "api/accountinfo.h"
#include "api/apierror.h"

#include <QObject>
#include <functional>

class QNetworkAccessManager;

namespace pds {

// Asks Pipedrive who a domain and token belong to (users/me), for the settings dialog and the
// connection line. Owns the app's network access for that; the answer comes back through
// `done`, asynchronously, while `context` lives.
class ConnectionTester : public QObject
{
    Q_OBJECT
public:
    explicit ConnectionTester(QObject *parent = nullptr);

    using Done = std::function<void(const AccountInfo &account, const ApiError &error)>;
    void check(const QString &domain, const QString &token, QObject *context, Done done);
    int runningChecks() const { return m_running; }

private:
    QNetworkAccessManager *m_nam;
    int m_running = 0;
};

} // namespace pds
