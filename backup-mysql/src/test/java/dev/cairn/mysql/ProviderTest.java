package dev.cairn.mysql;

import dev.cairn.Adapters;
import dev.cairn.ConfigurationException;
import dev.cairn.source.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The SPI providers, found through ServiceLoader as the CLI finds them. */
class ProviderTest {
    private static final Map<String, String> ENV = Map.of("CAIRN_MYSQL_PASSWORD", "s3cret");

    @Test
    void sourceByUri_buildsAMySqlSource() {
        Source s = Adapters.source("mysql://backup@db1:3307/shop,orders?tls=required&lock-wait-timeout=5", ENV);
        assertThat(s).isInstanceOf(MySqlSource.class);
        assertThat(s.descriptor()).isEqualTo("mysql://backup@db1:3307/shop,orders").doesNotContain("s3cret");
        assertThat(Adapters.source("mariadb://backup@db1/*", Map.of()).descriptor()).isEqualTo("mysql://backup@db1:3306/*");
        assertThat(Adapters.source("mysql://backup@db1", Map.of()).descriptor()).endsWith("/*");
        assertThat(Adapters.source("mysql://backup@db1/~shop_.*", Map.of()).descriptor()).endsWith("/~shop_.*");
    }

    @Test
    void sourceByUri_refusesWhatItCannotUse() {
        assertThatThrownBy(() -> Adapters.source("mysql://backup@db1/shop?colour=red", ENV))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("unknown parameter 'colour'");
        assertThatThrownBy(() -> Adapters.source("mysql://db1/shop", ENV))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("no user");
        assertThatThrownBy(() -> Adapters.source("mysql://backup:pw@db1/shop", ENV))
                .isInstanceOf(ConfigurationException.class).hasMessageNotContaining(":pw@");
        assertThatThrownBy(() -> Adapters.source("mysql://backup@db1/shop", Map.of("CAIRN_MYSQL_PASSWORD", "a",
                "CAIRN_MYSQL_PASSWORD_FILE", "/f"))).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("only one");
        assertThatThrownBy(() -> Adapters.source("mysql://backup@db1/shop?tls=sometimes", ENV))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("verify-identity");
    }

    @Test
    void passwordFile_isRead(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("pw");
        Files.writeString(f, "from-file\n");
        assertThat(Adapters.source("mysql://backup@db1/shop", Map.of("CAIRN_MYSQL_PASSWORD_FILE", f.toString())))
                .isInstanceOf(MySqlSource.class);
        assertThatThrownBy(() -> Adapters.source("mysql://backup@db1/shop",
                Map.of("CAIRN_MYSQL_PASSWORD_FILE", dir.resolve("missing").toString())))
                .isInstanceOf(ConfigurationException.class);
    }

    @Test
    void restoreTargetAndDrill_byUri() {
        assertThat(Adapters.restoreTarget("mysql://root@db2/shop_restored", ENV).descriptor())
                .isEqualTo("mysql://root@db2:3306/shop_restored");
        assertThat(Adapters.restoreTarget("mariadb://root@db2:3310", ENV).descriptor()).isEqualTo("mysql://root@db2:3310");
        assertThat(Adapters.drill("mysql", "mysql://drill@scratch:3306?prefix=nightly_", ENV)).isInstanceOf(MySqlDrill.class);
        assertThatThrownBy(() -> Adapters.drill("mysql", null, ENV)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("--scratch mysql://");
        assertThatThrownBy(() -> Adapters.drill("mysql", "mysql://drill@scratch/db", ENV))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("names a server");
    }
}
