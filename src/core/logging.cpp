#include "logging.h"

Q_LOGGING_CATEGORY(lcApi, "pds.api")
Q_LOGGING_CATEGORY(lcSync, "pds.sync")
Q_LOGGING_CATEGORY(lcDb, "pds.db")
