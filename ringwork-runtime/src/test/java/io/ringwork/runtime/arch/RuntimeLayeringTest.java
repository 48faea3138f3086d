package io.ringwork.runtime.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The runtime is the node and nothing that drives nodes: the chaos harness, the process harness
 * and the loopback tools live in ringwork-harness, which depends on the runtime, never the other
 * way round (docs/ARCHITECTURE.md, "Modules"). Maven's module graph already refuses a compile-time
 * cycle; this rule also names the reason and covers the simulator, which the node must not need.
 */
@AnalyzeClasses(packages = "io.ringwork.runtime", importOptions = ImportOption.DoNotIncludeTests.class)
class RuntimeLayeringTest {
    @ArchTest
    static final ArchRule nodeDoesNotDependOnHarnessOrSimulator = noClasses().that().resideInAPackage("io.ringwork.runtime..")
            .should().dependOnClassesThat().resideInAnyPackage("io.ringwork.harness..", "io.ringwork.sim..", "io.ringwork.bench..")
            .because("the node holds the node; the tools that start, fault and measure nodes sit above it");
}
