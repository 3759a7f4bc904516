package io.ontapjobs.store;

/** The bookmarks' contract on a real PostgreSQL server ({@link PostgresServer}). */
class PostgresEventBookmarksTest extends EventBookmarksContract {
    PostgresServer.Database db;

    @Override
    OperationStore openNew() {
        db = PostgresServer.newDatabase();
        return reopen();
    }

    @Override
    OperationStore reopen() {
        return OperationStore.open(db.url(), PostgresServer.USER, PostgresServer.PASSWORD);
    }
}
