package dev.cairn.internal.quartz;

import org.quartz.utils.ConnectionProvider;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;

/** Hands a {@link DataSource} (the application's, or a HikariCP pool) to Quartz's JDBC job store. */
public final class DataSourceProvider implements ConnectionProvider {
    private final DataSource dataSource;
    private final AutoCloseable owned;

    /** {@code owned}: closed on shutdown (a pool this runner created), or null. */
    public DataSourceProvider(DataSource dataSource, AutoCloseable owned) {
        this.dataSource = dataSource;
        this.owned = owned;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return dataSource.getConnection();
    }

    @Override
    public void shutdown() throws SQLException {
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                throw new SQLException("Cannot close the job store's connection pool: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void initialize() {
    }
}
