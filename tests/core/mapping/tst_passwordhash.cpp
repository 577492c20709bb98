// Passwords for new CRM users: random, and stored as a bcrypt hash Devise accepts ($2a$).
// Cost 4 keeps the tests fast; the format is the same as at cost 12.

#include "mapping/passwordhash.h"

#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <crypt.h>

#include <cstring>
#include <memory>

using namespace Qt::StringLiterals;
using namespace pds::mapping;

namespace {

// Verifies with libxcrypt directly, independent of bcryptVerify().
bool cryptMatches(const QString &password, const QByteArray &hash)
{
    auto data = std::make_unique<crypt_data>();
    const QByteArray utf8 = password.toUtf8();
    const char *out = crypt_rn(utf8.constData(), hash.constData(), data.get(), sizeof(crypt_data));
    return out && hash == QByteArray(out);
}

} // namespace

class TestPasswordHash : public QObject
{
    Q_OBJECT

private slots:
    void randomPasswordsAreLongAndDistinct();
    void randomPasswordLengthIsClamped();
    void hashHasDeviseFormat();
    void hashVerifiesOnlyTheSamePassword();
    void sameHashNeverRepeats();
    void verifyRejectsGarbage();
};

void TestPasswordHash::randomPasswordsAreLongAndDistinct()
{
    static const QRegularExpression alphabet(u"^[A-Za-z0-9]+$"_s);
    QSet<QString> seen;
    for (int i = 0; i < 50; ++i) {
        const QString password = randomPassword();
        QVERIFY(password.size() >= 24);
        QVERIFY(alphabet.match(password).hasMatch());
        seen.insert(password);
    }
    QCOMPARE(seen.size(), 50);
}

void TestPasswordHash::randomPasswordLengthIsClamped()
{
    QCOMPARE(randomPassword(1).size(), 24);
    QCOMPARE(randomPassword(40).size(), 40);
    QCOMPARE(randomPassword(500).size(), 72);
}

void TestPasswordHash::hashHasDeviseFormat()
{
    const QByteArray hash = bcryptHash(u"correct horse battery staple"_s, 4);
    QVERIFY2(hash.startsWith("$2a$04$"), hash.constData());
    QCOMPARE(hash.size(), 60);
    // The default cost is the CRM's 12 (checked on the setting only: hashing at 12 is slow).
    const QByteArray twelve = bcryptHash(u"x"_s);
    QVERIFY2(twelve.startsWith("$2a$12$"), twelve.constData());
    QCOMPARE(twelve.size(), 60);
}

void TestPasswordHash::hashVerifiesOnlyTheSamePassword()
{
    const QString password = randomPassword();
    const QByteArray hash = bcryptHash(password, 4);
    QVERIFY(!hash.isEmpty());
    QVERIFY(cryptMatches(password, hash));
    QVERIFY(!cryptMatches(password + u"x"_s, hash));
    QVERIFY(bcryptVerify(password, hash));
    QVERIFY(!bcryptVerify(u"another password"_s, hash));
    QVERIFY(!hash.contains(password.toUtf8()));
}

void TestPasswordHash::sameHashNeverRepeats()
{
    // A fresh salt every time: equal passwords give different hashes.
    const QByteArray a = bcryptHash(u"same"_s, 4);
    const QByteArray b = bcryptHash(u"same"_s, 4);
    QVERIFY(a != b);
    QVERIFY(bcryptVerify(u"same"_s, a));
    QVERIFY(bcryptVerify(u"same"_s, b));
}

void TestPasswordHash::verifyRejectsGarbage()
{
    QVERIFY(!bcryptVerify(u"x"_s, QByteArray()));
    QVERIFY(!bcryptVerify(u"x"_s, "plain-text"));
    QVERIFY(!bcryptVerify(u"x"_s, "$2a$04$short"));
}

QTEST_GUILESS_MAIN(TestPasswordHash)
#include "tst_passwordhash.moc"
