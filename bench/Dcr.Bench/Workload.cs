using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Dcr.Bench;

internal enum Operation
{
    Register,
    Token,
    TokenPbkdf2,
    Read,
    Update,
}

/// <summary>One closed-loop worker: at most one request in flight, so it owns its clients without any locking.</summary>
internal sealed class Worker
{
    public Worker(int index, int seed)
    {
        Index = index;
        Random = new Random(seed);
    }

    public int Index { get; }

    public Random Random { get; }

    /// <summary>The clients this worker alone reads, updates and authenticates with (their credentials rotate).</summary>
    public List<RegisteredClient> Clients { get; } = [];

    public int Cursor { get; set; }

    /// <summary>The slot in <see cref="Clients"/> of the current read, update or token request.</summary>
    public int CurrentSlot { get; set; } = -1;

    public long Sequence { get; set; }

    public long ClientsReplaced { get; set; }

    public Dictionary<Operation, OperationRecorder> Recorders { get; } = [];
}

/// <summary>What each scenario sends, and the setup it needs.</summary>
internal sealed class Workload
{
    private readonly BenchOptions _options;
    private readonly DcrApi _api;
    private readonly TextWriter _log;
    private readonly (Operation Operation, int Weight)[] _mix;
    private readonly int _totalWeight;
    private readonly string _runId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    private readonly byte[] _apiScopeForm;
    private readonly byte[] _dcrScopeForm;
    private readonly AuthenticationHeaderValue _admin;

    private string? _initialAccessToken;
    private RegisteredClient[] _sharedClients = [];
    private long _sharedCursor = -1;

    public Workload(BenchOptions options, DcrApi api, TextWriter log)
    {
        _options = options;
        _api = api;
        _log = log;
        _mix = MixOf(options.Scenario);
        _totalWeight = _mix.Sum(static m => m.Weight);
        _apiScopeForm = DcrApi.ClientCredentialsForm(options.Scope);
        _dcrScopeForm = DcrApi.ClientCredentialsForm(options.DcrScope);
        _admin = RegisteredClient.BasicCredentials(options.AdminId, options.AdminSecret);
    }

    public IEnumerable<Operation> Operations => _mix.Select(static m => m.Operation);

    /// <summary>Clients registered in setup: the token scenario shares them, the others split them between workers.</summary>
    public int SetupClientCount => _options.Scenario switch
    {
        "token" => _options.Clients,
        "manage" or "read" or "update" or "mixed" => Math.Max(_options.Clients, _options.Concurrency),
        _ => 0,
    };

    /// <summary>The clients set-up registered (none when --load-clients gave them).</summary>
    public int RegisteredInSetup { get; private set; }

    private static (Operation, int)[] MixOf(string scenario) => scenario switch
    {
        "register" => [(Operation.Register, 1)],
        "token" => [(Operation.Token, 1)],
        "token-pbkdf2" => [(Operation.TokenPbkdf2, 1)],
        "manage" or "read" => [(Operation.Read, 1)],
        "update" => [(Operation.Update, 1)],
        "mixed" => [(Operation.Register, 20), (Operation.Token, 50), (Operation.Read, 25), (Operation.Update, 5)],
        _ => throw new ArgumentOutOfRangeException(nameof(scenario), scenario, "Unknown scenario."),
    };

    public static int ExpectedStatus(Operation operation) => operation == Operation.Register ? 201 : 200;

    public static string NameOf(Operation operation) => operation switch
    {
        Operation.Register => "register",
        Operation.Token => "token",
        Operation.TokenPbkdf2 => "token-pbkdf2",
        Operation.Read => "read",
        Operation.Update => "update",
        _ => throw new ArgumentOutOfRangeException(nameof(operation)),
    };

    /// <summary>
    /// Fetches the initial access token unless --initial-access-token gives it (every scenario but token-pbkdf2 needs one,
    /// for registration in the run or in setup) and registers the clients. Nothing here is measured.
    /// </summary>
    public async Task SetupAsync(IReadOnlyList<Worker> workers, CancellationToken cancellationToken)
    {
        if (_options.Scenario == "token-pbkdf2")
        {
            // One request up front, so that a wrong secret or scope fails loudly instead of as a run of 400s.
            var (status, body) = await _api.TokenAsync(_admin, _dcrScopeForm, cancellationToken).ConfigureAwait(false);
            if (status != 200)
            {
                throw new InvalidOperationException($"The admin client '{_options.AdminId}' got {status}: {DcrApi.Truncate(body)}");
            }

            return;
        }

        var count = SetupClientCount;
        RegisteredClient[] clients;
        if (_options.LoadClients is { } file)
        {
            // Nothing is sent before the measurement: the server's first requests are the measured ones.
            var saved = JsonSerializer.Deserialize<SavedClients>(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false), Report.JsonOptions)
                ?? throw new InvalidOperationException($"{file} holds no saved clients.");
            _initialAccessToken = _options.InitialAccessToken ?? saved.InitialAccessToken;
            if (saved.Clients.Count < count)
            {
                throw new InvalidOperationException($"{file} holds {saved.Clients.Count} clients; this run needs {count}.");
            }

            clients = [.. saved.Clients.Take(count).Select(RegisteredClient.Restore)];
        }
        else
        {
            _initialAccessToken = _options.InitialAccessToken
                ?? await _api.GetInitialAccessTokenAsync(cancellationToken).ConfigureAwait(false);
            if (count != _options.Clients && count > 0)
            {
                _log.WriteLine($"Registering {count} clients instead of {_options.Clients}: every worker must own at least one.");
            }

            var registered = new RegisteredClient[count];
            await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = _options.Concurrency, CancellationToken = cancellationToken },
                async (i, ct) => registered[i] = await RegisterForSetupAsync($"bench-{_runId}-setup-{i}", ct).ConfigureAwait(false))
                .ConfigureAwait(false);
            clients = registered;
            RegisteredInSetup = count;
        }

        if (_options.SaveClients is { } output)
        {
            var saved = new SavedClients(_initialAccessToken, [.. clients.Select(static client => client.Save())]);
            await File.WriteAllTextAsync(output, JsonSerializer.Serialize(saved, Report.JsonOptions), cancellationToken).ConfigureAwait(false);
        }

        if (count == 0)
        {
            return;
        }

        if (_options.Scenario == "token")
        {
            _sharedClients = clients;
            return;
        }

        for (var i = 0; i < clients.Length; i++)
        {
            workers[i % workers.Count].Clients.Add(clients[i]);
        }
    }

    private async Task<RegisteredClient> RegisterForSetupAsync(string name, CancellationToken cancellationToken)
    {
        var (status, client, body) = await _api.RegisterAsync(_initialAccessToken!, name, cancellationToken).ConfigureAwait(false);
        if (status != 201 || client?.Basic is null || client.RegistrationAccessToken is null && _options.Scenario != "token")
        {
            throw new InvalidOperationException(
                $"Registering a setup client answered {status}{(status == 201 ? " without a client_secret or registration_access_token" : string.Empty)}: "
                + DcrApi.Truncate(body));
        }

        return client;
    }

    public Operation Choose(Worker worker)
    {
        if (_mix.Length == 1)
        {
            return _mix[0].Operation;
        }

        var pick = worker.Random.Next(_totalWeight);
        foreach (var (operation, weight) in _mix)
        {
            if (pick < weight)
            {
                return operation;
            }

            pick -= weight;
        }

        return _mix[^1].Operation;
    }

    /// <summary>The measured part: exactly one HTTP request. Returns its status (-2: a 200 whose body could not be used).</summary>
    public async Task<int> ExecuteAsync(Worker worker, Operation operation, CancellationToken cancellationToken)
    {
        switch (operation)
        {
            case Operation.Register:
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"bench-{_runId}-{worker.Index}-{worker.Sequence++}");
                var (status, client, _) = await _api.RegisterAsync(_initialAccessToken!, name, cancellationToken).ConfigureAwait(false);
                return status == 201 && client is null ? -2 : status;
            }

            case Operation.TokenPbkdf2:
                return (await _api.TokenAsync(_admin, _dcrScopeForm, cancellationToken).ConfigureAwait(false)).Status;

            case Operation.Token when _sharedClients.Length > 0:
            {
                // Secrets never rotate in the token scenario, so all workers may share the clients, round-robin.
                var client = _sharedClients[(int)((ulong)Interlocked.Increment(ref _sharedCursor) % (ulong)_sharedClients.Length)];
                return (await _api.TokenAsync(client.Basic!, _apiScopeForm, cancellationToken).ConfigureAwait(false)).Status;
            }

            case Operation.Token:
            {
                // Mixed: the worker's own clients, whose secrets its reads and updates rotate.
                var client = NextOwnClient(worker);
                return (await _api.TokenAsync(client.Basic!, _apiScopeForm, cancellationToken).ConfigureAwait(false)).Status;
            }

            case Operation.Read:
                return await _api.ReadAsync(NextOwnClient(worker), cancellationToken).ConfigureAwait(false);

            case Operation.Update:
            {
                var client = NextOwnClient(worker);
                var name = string.Create(CultureInfo.InvariantCulture, $"bench-{_runId}-{worker.Index}-u{worker.Sequence++}");
                return await _api.UpdateAsync(client, name, cancellationToken).ConfigureAwait(false);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(operation));
        }
    }

    private static RegisteredClient NextOwnClient(Worker worker)
    {
        worker.CurrentSlot = worker.Cursor++ % worker.Clients.Count;
        return worker.Clients[worker.CurrentSlot];
    }

    /// <summary>
    /// Unmeasured: after a read or update that failed, the worker cannot know whether the server rotated the client's
    /// credentials before the failure (a timeout, a 5xx), so it replaces the client with a fresh registration instead of
    /// turning every later request for it into a 401. The failure itself has been counted already.
    /// </summary>
    public async Task RecoverAsync(Worker worker, Operation operation, bool succeeded, CancellationToken cancellationToken)
    {
        if (succeeded || operation is not (Operation.Read or Operation.Update) || worker.CurrentSlot < 0)
        {
            return;
        }

        try
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"bench-{_runId}-{worker.Index}-r{worker.Sequence++}");
            var (status, client, _) = await _api.RegisterAsync(_initialAccessToken!, name, cancellationToken).ConfigureAwait(false);
            if (status == 201 && client is not null)
            {
                worker.Clients[worker.CurrentSlot] = client;
                worker.ClientsReplaced++;
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
        {
            // The host is in trouble (the next measured request will say so), or the run is being stopped.
        }
    }
}
