#pragma once

// Passwords for CRM users the sync creates (SPEC §3/§4): random, never shown or logged, stored
// only as a bcrypt hash Devise accepts. The one non-pure part of the mapping layer (it reads the
// system CSPRNG); hashing costs about 0.2 s at cost 12, so keep it off the critical path.

#include <QByteArray>
#include <QString>

namespace pds::mapping {

// `length` (at least 24, at most 72 so bcrypt sees all of it) characters from [A-Za-z0-9],
// drawn from QRandomGenerator::system().
QString randomPassword(int length = 32);

// "$2a$<cost>$<22 salt><31 hash>" (60 characters) from libxcrypt, with a salt from the system
// CSPRNG; cost is clamped to bcrypt's 4..31. Empty on failure. bcrypt reads only the first 72
// bytes of the UTF-8 password.
QByteArray bcryptHash(const QString &password, int cost = 12);

// Whether `password` matches a bcrypt `hash` (constant-time comparison).
bool bcryptVerify(const QString &password, const QByteArray &hash);

} // namespace pds::mapping
