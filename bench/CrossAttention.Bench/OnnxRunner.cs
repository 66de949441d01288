using System;
using System.Linq;
using Microsoft.ML.OnnxRuntime;

namespace CrossAttention.Bench;

/// <summary>
/// One ONNX Runtime session on one intra-op thread (SPEC §9), with its inputs and output bound once to the benchmark's
/// own arrays, so a call times the run alone.
/// </summary>
internal sealed class OnnxRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _options = new();
    private readonly string[] _inputNames, _outputNames;
    private readonly OrtValue[] _inputs, _outputs;

    public OnnxRunner(byte[] model, (string Name, TensorBuffer Data, long[] Dims)[] inputs, (string Name, TensorBuffer Data, long[] Dims) output)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(model, options);
        _inputNames = inputs.Select(i => i.Name).ToArray();
        _inputs = inputs.Select(i => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, i.Data.Memory, i.Dims)).ToArray();
        _outputNames = [output.Name];
        _outputs = [OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, output.Data.Memory, output.Dims)];
    }

    public void Run() => _session.Run(_options, _inputNames, _inputs, _outputNames, _outputs);

    public void Dispose()
    {
        foreach (OrtValue value in _inputs.Concat(_outputs))
        {
            value.Dispose();
        }

        _options.Dispose();
        _session.Dispose();
    }
}
