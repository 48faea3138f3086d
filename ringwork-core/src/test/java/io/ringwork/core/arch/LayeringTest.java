package io.ringwork.core.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * Core is pure logic: time and randomness come in through Clock and RandomSource, and threads,
 * sleeps, files and sockets live in the runtime (DESIGN.md section 3, STYLE.md 1-2). These rules
 * keep it that way mechanically.
 */
@AnalyzeClasses(packages = "io.ringwork.core", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {
    @ArchTest
    static final ArchRule noWallClock = noClasses().should()
            .callMethod(System.class, "currentTimeMillis").orShould().callMethod(System.class, "nanoTime")
            .orShould().callMethod(java.time.Instant.class, "now").orShould().callMethod(java.time.LocalDateTime.class, "now")
            .orShould().callMethod(java.time.Clock.class, "systemUTC").orShould().callMethod(java.time.Clock.class, "systemDefaultZone")
            .because("core reads time only through io.ringwork.core.time.Clock");

    @ArchTest
    static final ArchRule noSleepsOrThreads = noClasses().should()
            .callMethod(Thread.class, "sleep", long.class)
            .orShould().dependOnClassesThat().areAssignableTo(Thread.class)
            .orShould().dependOnClassesThat().resideInAPackage("java.util.concurrent..")
            .because("threads and waiting belong to the runtime; core is single-threaded state machines");

    @ArchTest
    static final ArchRule noUnseededRandomness = noClasses().should()
            .callConstructor(java.util.Random.class).orShould().callMethod(Math.class, "random")
            .orShould().dependOnClassesThat().areAssignableTo(java.util.concurrent.ThreadLocalRandom.class)
            .orShould().dependOnClassesThat().areAssignableTo(java.security.SecureRandom.class)
            .because("randomness comes from a seeded RandomSource so a seed replays a run");

    @ArchTest
    // CheckHistory is the linearizability checker's command line: it opens the files it is
    // given, as a runtime main would; the checker and its parsers take Readers.
    static final ArchRule noIo = noClasses().that().doNotHaveFullyQualifiedName("io.ringwork.core.lincheck.CheckHistory")
            .should().dependOnClassesThat()
            .resideInAnyPackage("java.net..", "java.nio.file..", "java.nio.channels..")
            .orShould().dependOnClassesThat().areAssignableTo(java.io.File.class)
            .orShould().dependOnClassesThat().areAssignableTo(java.io.FileInputStream.class)
            .orShould().dependOnClassesThat().areAssignableTo(java.io.FileOutputStream.class)
            .orShould().dependOnClassesThat().areAssignableTo(java.io.RandomAccessFile.class)
            .because("files and sockets live in the runtime behind core's interfaces");

    @ArchTest
    static final ArchRule noRuntimeOrLogging = noClasses().should().dependOnClassesThat()
            .resideInAnyPackage("io.ringwork.runtime..", "io.ringwork.harness..", "io.ringwork.sim..", "org.slf4j..", "ch.qos.logback..", "org.rocksdb..")
            .because("core depends on nothing above it and logs nothing (it returns effects)");
}
