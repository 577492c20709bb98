#include "connectiontester.h"

#include "api/connectioncheck.h"

#include <QNetworkAccessManager>
#include <QPointer>

namespace pds {

namespace {
constexpr int CheckTimeoutMs = 20000;
}

ConnectionTester::ConnectionTester(QObject *parent)
    : QObject(parent)
    , m_nam(new QNetworkAccessManager(this))
{ }

void ConnectionTester::check(
    const QString &domain, const QString &token, QObject *context, Done done)
{
    auto *check = new ConnectionCheck(m_nam, this);
    ++m_running;
    QPointer<QObject> guard(context);
    connect(check, &ConnectionCheck::finished, this,
        [this, check, guard, done](const AccountInfo &account, const ApiError &error) {
            check->deleteLater();
            --m_running;
            if (guard)
                done(account, error);
        });
    check->start(domain, token, CheckTimeoutMs);
}

} // namespace pds
