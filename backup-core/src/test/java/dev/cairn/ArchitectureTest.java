package dev.cairn;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * STYLE.md, "Public API vs internal": public signatures never expose internal, Quartz or SDK types,
 * and core never imports an adapter. Checked on backup-core's main classes (not its tests).
 */
class ArchitectureTest {
    /** Packages no public signature outside {@code dev.cairn.internal} may mention. */
    private static final String[] HIDDEN = {"dev.cairn.internal..", "org.quartz..", "software.amazon..",
            "com.mongodb..", "org.mariadb..", "com.fasterxml..", "com.google.crypto..", "com.github.luben..",
            "io.micrometer.."};

    private static JavaClasses core;

    @BeforeAll
    static void importCore() {
        core = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages("dev.cairn");
    }

    @Test
    void importer_findsCoreClasses_notTests() {
        assertThat(core.contain(Repository.class)).isTrue();
        assertThat(core.contain("dev.cairn.internal.quartz.QuartzRunner")).isTrue();
        assertThat(core.stream().map(JavaClass::getName)).noneMatch(n -> n.endsWith("Test") || n.endsWith("IT"));
    }

    @Test
    void publicSignatures_outsideInternal_exposeNoInternalQuartzOrSdkType() {
        classes().that().resideInAPackage("dev.cairn..").and().resideOutsideOfPackage("dev.cairn.internal..")
                .should(exposeNoHiddenType())
                .because("STYLE.md: public signatures never expose internal, Quartz or SDK types")
                .check(core);
    }

    @Test
    void core_dependsOnNoAdapter() {
        noClasses().that().resideInAPackage("dev.cairn..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.cairn.s3..", "dev.cairn.mysql..",
                        "dev.cairn.mongo..", "dev.cairn.cli..")
                .because("STYLE.md: core never imports an adapter (adapters are found through ServiceLoader)")
                .check(core);
    }

    @Test
    void quartz_usedOnlyInsideInternalQuartz() {
        // BackupScheduler.Builder.attachTo(Object) recognises an org.quartz.Scheduler by name
        // (Class.forName), which is no class dependency, so no exception is needed here.
        noClasses().that().resideInAPackage("dev.cairn..").and().resideOutsideOfPackage("dev.cairn.internal.quartz..")
                .should().dependOnClassesThat().resideInAPackage("org.quartz..")
                .because("STYLE.md: Quartz stays behind dev.cairn.schedule.BackupScheduler")
                .check(core);
    }

    /**
     * Public and protected fields, constructors and methods of the types visible outside their package
     * (public, or protected members of such) must not mention a hidden type: not as the field type, a
     * parameter, the return type, a thrown exception, nor a type argument of these.
     */
    private static ArchCondition<JavaClass> exposeNoHiddenType() {
        DescribedPredicate<JavaClass> hidden = JavaClass.Predicates.resideInAnyPackage(HIDDEN);
        return new ArchCondition<>("expose no internal, Quartz or SDK type in a public signature") {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                if (!visibleOutsideItsPackage(c)) {
                    return;
                }
                for (JavaMember m : members(c)) {
                    if (!(m.getModifiers().contains(JavaModifier.PUBLIC)
                            || m.getModifiers().contains(JavaModifier.PROTECTED))
                            || m.getModifiers().contains(JavaModifier.SYNTHETIC)) {
                        continue;
                    }
                    Set<String> leaked = new TreeSet<>();
                    for (JavaType t : signatureTypes(m)) {
                        for (JavaClass raw : t.getAllInvolvedRawTypes()) {
                            if (hidden.test(raw) && !allowed(m, raw)) {
                                leaked.add(raw.getName());
                            }
                        }
                    }
                    if (!leaked.isEmpty()) {
                        events.add(SimpleConditionEvent.violated(m, m.getFullName() + " exposes " + leaked));
                    }
                }
            }
        };
    }

    /**
     * The one deliberate exception: {@code HealthMetrics(MeterRegistry)} is Cairn's Micrometer binding.
     * micrometer-core is an optional dependency, and only an application that already has Micrometer and
     * passes its registry loads this class (backup-core/pom.xml).
     */
    private static boolean allowed(JavaMember m, JavaClass type) {
        return m.getOwner().getName().equals("dev.cairn.health.HealthMetrics")
                && m instanceof com.tngtech.archunit.core.domain.JavaConstructor
                && type.getPackageName().startsWith("io.micrometer.");
    }

    private static boolean visibleOutsideItsPackage(JavaClass c) {
        for (JavaClass k = c; k != null; k = k.getEnclosingClass().orElse(null)) {
            Set<JavaModifier> mods = k.getModifiers();
            if (!(mods.contains(JavaModifier.PUBLIC) || mods.contains(JavaModifier.PROTECTED))) {
                return false;
            }
        }
        return !c.isAnonymousClass() && !c.isLocalClass();
    }

    private static List<JavaMember> members(JavaClass c) {
        List<JavaMember> out = new ArrayList<>(c.getFields());
        out.addAll(c.getCodeUnits());
        return out;
    }

    private static List<JavaType> signatureTypes(JavaMember m) {
        List<JavaType> out = new ArrayList<>();
        if (m instanceof JavaField f) {
            out.add(f.getType());
        } else if (m instanceof JavaCodeUnit u) {
            out.add(u.getReturnType());
            out.addAll(u.getParameterTypes());
            u.getThrowsClause().getTypes().forEach(out::add);
        }
        return out;
    }
}
