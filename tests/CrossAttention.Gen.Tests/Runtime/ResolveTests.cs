using System;
using System.Reflection;
using CrossAttention.Gen.Tests.Generator;
using CrossAttention.Gen.Tests.Kernels;
using Xunit;

namespace CrossAttention.Gen.Tests.Runtime;

/// <summary>SPEC §5: Resolve finds the generated kernel of a loaded assembly, else the generic fallback.</summary>
public sealed class ResolveTests
{
    [Fact]
    public void A_shape_with_a_generated_kernel_resolves_to_it()
    {
        ICrossAttention kernel = CrossAttentionKernels.Resolve(new CrossAttentionShape(4, 2, 64, 8));
        if (Latent.KernelPath.IsSpecialized())
        {
            Assert.Equal(typeof(CrossAttention.Kernels.GeneratedCrossAttention<,,>), kernel.GetType().GetGenericTypeDefinition());
            Assert.Equal(Latent.KernelPath, kernel.Path);
        }
        else
        {
            Assert.IsType<GenericCrossAttention>(kernel);
        }

        Assert.Equal(Latent.Shape, kernel.Shape);
    }

    [Theory]
    [InlineData(KernelPath.Specialized512, true)]
    [InlineData(KernelPath.Specialized256, true)]
    [InlineData(KernelPath.Specialized128, true)]
    [InlineData(KernelPath.GenericVector, false)]
    [InlineData(KernelPath.GenericScalar, false)]
    public void Only_the_generated_tiers_are_specialized(KernelPath path, bool specialized)
    {
        Assert.Equal(specialized, path.IsSpecialized());
        Assert.Equal(5, Enum.GetValues<KernelPath>().Length); // a new path must be placed on one side or the other
    }

    [Fact]
    public void A_privately_nested_class_is_registered_too()
    {
        var shape = new CrossAttentionShape(3, 6, 24, 2);
        ICrossAttention kernel = CrossAttentionKernels.Resolve(shape);
        Assert.Equal(shape, kernel.Shape);
        Assert.Equal(TestKernels.Get("Outer.Hidden").Path, kernel.Path);
        if (kernel.Path.IsSpecialized())
        {
            Assert.IsNotType<GenericCrossAttention>(kernel);
        }
    }

    [Fact]
    public void A_loaded_assembly_none_of_whose_code_has_run_is_found_too()
    {
        // A shape no other test declares: only the assembly loaded here can have a kernel for it.
        var shape = new CrossAttentionShape(5, 7, 36, 3, scale: 0.3125f);
        var (output, _, _) = GeneratorHarness.Run(GeneratorHarness.Compile(
            "NotYetRun", "using CrossAttention; [CrossAttention(5, 7, 36, 3, Scale = 0.3125f)] internal static partial class NotYetRun;"));
        Assert.Empty(GeneratorHarness.WarningsAndErrors(output));
        Assembly assembly = CompileAndRunTests.Load(output);

        ICrossAttention kernel = CrossAttentionKernels.Resolve(shape);
        Assert.Equal(shape, kernel.Shape);
        if (CrossAttentionKernels.ForceGeneric || !TestKernels.Get(nameof(Latent)).Path.IsSpecialized())
        {
            Assert.IsType<GenericCrossAttention>(kernel);
        }
        else
        {
            Assert.Same(Assert.Single(CrossAttentionKernels.RegisteredBy(assembly)), kernel);
            Assert.True(kernel.Path.IsSpecialized());
        }
    }

    [Fact]
    public void Scale_and_kv_dim_are_part_of_the_shape_looked_up()
    {
        Assert.IsType<GenericCrossAttention>(CrossAttentionKernels.Resolve(new CrossAttentionShape(4, 2, 64, 8, scale: 0.5f)));
        Assert.IsType<GenericCrossAttention>(CrossAttentionKernels.Resolve(new CrossAttentionShape(4, 2, 64, 8, kvDim: 32)));
        Assert.Equal(Caption.Shape, CrossAttentionKernels.Resolve(new CrossAttentionShape(16, 49, 512, 8, kvDim: 768)).Shape);
    }

    [Fact]
    public void A_shape_without_one_resolves_to_the_generic_kernel()
    {
        var shape = new CrossAttentionShape(3, 3, 30, 5);
        ICrossAttention kernel = CrossAttentionKernels.Resolve(shape);
        Assert.IsType<GenericCrossAttention>(kernel);
        Assert.Equal(GenericCrossAttention.DefaultPath, kernel.Path);
        Assert.Equal(shape, kernel.Shape);
    }

    [Fact]
    public void Resolve_needs_a_shape()
    {
        Assert.Equal("shape", Assert.Throws<ArgumentNullException>(() => CrossAttentionKernels.Resolve(null!)).ParamName);
        Assert.Equal("shape", Assert.Throws<ArgumentNullException>(() => new GenericCrossAttention(null!)).ParamName);
    }

    [Fact]
    public void A_generated_class_shape_carries_its_kv_dim_and_scale()
    {
        Assert.Equal(768, Caption.Shape.KvDim);
        Assert.Equal(0.5f, CustomScale.Shape.Scale);
        Assert.Equal(-0.25f, NegativeScale.Shape.Scale);
        Assert.Equal((float)(1 / Math.Sqrt(24)), Odd.Shape.Scale);
    }

    [Fact]
    public void Generic_code_calls_a_kernel_through_its_static_interface()
    {
        static CrossAttentionShape ShapeOf<TKernel>() where TKernel : ICrossAttentionKernel => TKernel.Shape;
        Assert.Equal(Medium.Shape, ShapeOf<Medium.Kernel>());
    }

    [Theory]
    [InlineData(null, null, false)]
    [InlineData(null, "1", true)]
    [InlineData(null, "true", true)]
    [InlineData(null, " TRUE ", true)]
    [InlineData(null, "0", false)]
    [InlineData(null, "yes", false)]
    [InlineData(true, null, true)]
    [InlineData(false, "1", true)]
    [InlineData(false, null, false)]
    public void The_force_generic_switch_reads_the_app_context_switch_and_the_environment(bool? appSwitch, string? environment, bool forced)
    {
        Assert.Equal(forced, CrossAttentionKernels.ReadForceGeneric(appSwitch, environment));
    }
}
