package dev.cairn.mysql;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class SchemaRewriterTest {
    private static String rewrite(String sql, boolean disableEvents) throws IOException {
        String whole = new String(new SchemaRewriter(new ByteArrayInputStream(sql.getBytes(StandardCharsets.UTF_8)),
                "shop", "shop_restored", disableEvents).readAllBytes(), StandardCharsets.UTF_8);
        // The same through one-byte reads: the lexer's state must survive every buffer boundary.
        InputStream slow = new FilterInputStream(new ByteArrayInputStream(sql.getBytes(StandardCharsets.UTF_8))) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(1, len));
            }
        };
        String bytewise = new String(new SchemaRewriter(slow, "shop", "shop_restored", disableEvents).readAllBytes(),
                StandardCharsets.UTF_8);
        assertThat(bytewise).isEqualTo(whole);
        return whole;
    }

    private static String rewrite(String sql) throws IOException {
        return rewrite(sql, false);
    }

    @Test
    void qualifiedNames_areRenamed_quotedOrNot() throws IOException {
        assertThat(rewrite("INSERT INTO shop.audit(msg) VALUES (1);"))
                .isEqualTo("INSERT INTO `shop_restored`.audit(msg) VALUES (1);");
        assertThat(rewrite("CALL `shop`.`p`();")).isEqualTo("CALL `shop_restored`.`p`();");
        assertThat(rewrite("SELECT shop.t.c FROM shop.t")).isEqualTo("SELECT `shop_restored`.t.c FROM `shop_restored`.t");
    }

    @Test
    void otherNames_stay() throws IOException {
        String sql = "SELECT shopx.t, shop_x.t, `shop2`.t, t.shop, shop FROM shopping.t AS s;";
        assertThat(rewrite(sql)).isEqualTo(sql);
    }

    @Test
    void stringsCommentsAndData_stay() throws IOException {
        String sql = "INSERT INTO `t` VALUES (1,'shop.t','`shop`.x','it\\'s shop.t',\"shop.t\");\n"
                + "-- shop.t in a comment\n# shop.t\n/* shop.t */ SELECT 1;\n"
                + "INSERT INTO `t` VALUES (2,'a''b shop.t');\n";
        assertThat(rewrite(sql)).isEqualTo(sql);
    }

    @Test
    void databaseStatements_areRenamed() throws IOException {
        assertThat(rewrite("/*!50003 ALTER DATABASE `shop` CHARACTER SET latin1 COLLATE latin1_swedish_ci */ ;"))
                .isEqualTo("/*!50003 ALTER DATABASE `shop_restored` CHARACTER SET latin1 COLLATE latin1_swedish_ci */ ;");
        assertThat(rewrite("USE `shop`;\nCREATE DATABASE /*!32312 IF NOT EXISTS*/ shop;"))
                .isEqualTo("USE `shop_restored`;\nCREATE DATABASE /*!32312 IF NOT EXISTS*/ `shop_restored`;");
        assertThat(rewrite("SELECT DATABASE() = 'shop', shop FROM t;"))
                .isEqualTo("SELECT DATABASE() = 'shop', shop FROM t;");
    }

    @Test
    void triggerInExecutableComment_isRenamed() throws IOException {
        String sql = "DELIMITER ;;\n/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER trg AFTER "
                + "INSERT ON t FOR EACH ROW INSERT INTO shop.audit(msg) VALUES (CONCAT('shop.t ', NEW.v)) \n*/;;\n"
                + "DELIMITER ;\n";
        assertThat(rewrite(sql)).isEqualTo(sql.replace("INTO shop.audit", "INTO `shop_restored`.audit"));
    }

    @Test
    void events_areDisabled_onlyWhenAsked() throws IOException {
        String sql = "/*!50003 SET time_zone = 'SYSTEM' */ ;;\n/*!50106 CREATE*/ /*!50117 DEFINER=`root`@`localhost`*/ "
                + "/*!50106 EVENT `ev` ON SCHEDULE EVERY 1 DAY STARTS '2026-11-25 13:56:25' ON COMPLETION NOT PRESERVE "
                + "ENABLE DO UPDATE shop.t SET enable = 1 \n*/ ;;\n";
        assertThat(rewrite(sql, false)).isEqualTo(sql.replace("UPDATE shop.t", "UPDATE `shop_restored`.t"));
        assertThat(rewrite(sql, true)).isEqualTo(sql.replace("PRESERVE ENABLE DO", "PRESERVE DISABLE DO")
                .replace("UPDATE shop.t", "UPDATE `shop_restored`.t"));
    }

    @Test
    void ansiQuotesMode_isFollowed() throws IOException {
        String sql = "/*!50003 SET sql_mode = 'ANSI_QUOTES,STRICT_TRANS_TABLES' */ ;\n"
                + "CREATE PROCEDURE p() INSERT INTO \"shop\".t VALUES ('shop.t');\n"
                + "/*!50003 SET sql_mode = @saved_sql_mode */ ;\n"
                + "INSERT INTO t VALUES (\"shop\".t);\n";
        assertThat(rewrite(sql)).isEqualTo(sql.replace("INTO \"shop\".t", "INTO `shop_restored`.t"));
    }

    @Test
    void noBackslashEscapesMode_isFollowed() throws IOException {
        String sql = "/*!50003 SET sql_mode = 'NO_BACKSLASH_ESCAPES' */ ;\n"
                + "CREATE PROCEDURE p() SELECT 'C:\\' AS dir, shop.t.c FROM shop.t;\n";
        assertThat(rewrite(sql)).isEqualTo(sql.replace("shop.t.c FROM shop.t", "`shop_restored`.t.c FROM `shop_restored`.t"));
    }

    @Test
    void doubledBackquotes_andDashes() throws IOException {
        assertThat(rewrite("SELECT `a``b`, 5--3, x-- y\n, shop.t")).isEqualTo("SELECT `a``b`, 5--3, x-- y\n, `shop_restored`.t");
    }

    @Test
    void nonAsciiNames_andTargetQuoting() throws IOException {
        String sql = "INSERT INTO `shop`.`größe` VALUES ('😀');";
        String out = new String(new SchemaRewriter(new ByteArrayInputStream(sql.getBytes(StandardCharsets.UTF_8)), "shop",
                "we`ird", false).readAllBytes(), StandardCharsets.UTF_8);
        assertThat(out).isEqualTo("INSERT INTO `we``ird`.`größe` VALUES ('😀');");
    }

    @Test
    void severalDatabases_renamedTogether_othersStay() throws IOException {
        String sql = "CREATE VIEW v AS SELECT * FROM `a`.t JOIN b.t JOIN `c`.t;";
        String out = new String(new SchemaRewriter(new ByteArrayInputStream(sql.getBytes(StandardCharsets.UTF_8)),
                java.util.Map.of("a", "a2", "b", "b2"), false).readAllBytes(), StandardCharsets.UTF_8);
        assertThat(out).isEqualTo("CREATE VIEW v AS SELECT * FROM `a2`.t JOIN `b2`.t JOIN `c`.t;");
    }
}
