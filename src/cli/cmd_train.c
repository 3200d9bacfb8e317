/* cmd_train.c — `chatmpi train`: trains a llama model from scratch (--init) or fine-tunes a
 * llama or qwen2 base GGUF (--base, fully or with --lora) on pre-tokenized data (src/train/data.h), with
 * AdamW, warmup and decay, clipping, accumulation, periodic checkpoints and exact resume;
 * writes a GGUF of the base's architecture (full) or an adapter GGUF (LoRA). A progress line goes to stderr and,
 * with --log, one JSON object a step to a file. --eval adds the mean loss over a held-out
 * file every N steps and at the end. Before anything large is allocated the run's memory is
 * estimated (src/train/mem.h) and a run that cannot fit is refused.
 * Under a launcher (mpirun -np N) the run is data parallel (src/train/dist.h): each rank
 * computes its share of every step's global batch, the gradients are summed, and only rank 0
 * writes the log, checkpoints, outputs and progress; a rank that fails ends the job with
 * MPI_Abort after printing why.
 * ChatHPC configs (--config) are read by src/train/config.c; their records are rendered and
 * tokenized here into the trainer's token files.
 * With a config's merged_model_path, the adapter is also folded into the base (chatmpi merge). */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/opt.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "corpus/names.h"
#include "gguf/gguf.h"
#include "model/lora.h"
#include "model/model.h"
#include "tensor/tensor.h"
#include "train/data.h"
#include "train/io.h"
#include "train/optim.h"
#include "train/train.h"
#include "train/config.h"
#include "train/dist.h"
#include "train/eval.h"
#include "train/gemm.h"
#include "train/mem.h"
#include "train/records.h"
#include "prompt/template.h"
#include "tokenizer/tok_load.h"
#include "tokenizer/tokenizer.h"

static struct {
    const char *init, *base, *tokenizer, *lora, *out, *resume, *ckpt, *log, *sched, *loss, *out_type, *config;
    const char *eval, *mem_limit, *matmul, *tmpl;
    long vocab, steps, stop_after, batch, seq, accum, warmup, seed, every, threads, eval_every;
    double lr, min_lr, wd, clip;
    int quiet;
} o;

static const struct opt_spec train_opts[] = {
    {OPT_STR, "init", 0, "SHAPE", "new model: dim=..,layers=..,heads=..,kv_heads=..,ffn=..,ctx=..", &o.init},
    {OPT_INT, "vocab", 0, "N", "vocabulary size for --init (default: --tokenizer's)", &o.vocab, 1, 1 << 24},
    {OPT_STR, "base", 0, "FILE", "base llama or qwen2 GGUF to fine-tune", &o.base},
    {OPT_STR, "tokenizer", 0, "FILE", "GGUF whose tokenizer.* keys go into the output (default: --base)",
     &o.tokenizer},
    {OPT_STR, "lora", 0, "SPEC", "LoRA over the frozen base: r=8,alpha=16,dropout=0.05,targets=q+k+v+o[,layers=N: the top N only]",
     &o.lora},
    {OPT_STR, "output", 'o', "FILE", "the trained model, or the adapter with --lora (required)", &o.out},
    {OPT_INT, "steps", 0, "N", "optimizer steps (default 1000)", &o.steps, 1, 1L << 40},
    {OPT_DOUBLE, "lr", 0, "X", "peak learning rate (default 3e-4)", &o.lr, 0, 0, 1e-12, 10},
    {OPT_DOUBLE, "min-lr", 0, "X", "learning rate at the end of the decay (default lr/10)", &o.min_lr, 0, 0, 0, 10},
    {OPT_INT, "warmup", 0, "N", "linear warmup steps (default 0)", &o.warmup, 0, 1L << 30},
    {OPT_STR, "schedule", 0, "KIND", "cosine (default), linear or constant", &o.sched},
    {OPT_DOUBLE, "weight-decay", 0, "X", "AdamW decoupled weight decay, matrices only (default 0.01)", &o.wd, 0, 0,
     0, 10},
    {OPT_DOUBLE, "clip", 0, "X", "global gradient-norm limit, 0 = none (default 1)", &o.clip, 0, 0, 0, 1e9},
    {OPT_INT, "batch", 0, "B", "sequences per micro-batch (default 8)", &o.batch, 1, 1 << 16},
    {OPT_INT, "seq", 0, "T", "tokens per sequence (default min(256, context))", &o.seq, 2, 1 << 20},
    {OPT_INT, "accum", 0, "N", "micro-batches per optimizer step (default 1)", &o.accum, 1, 1 << 16},
    {OPT_STR, "loss", 0, "WHICH", "all (default) or answer: only the data's answer tokens count", &o.loss},
    {OPT_INT, "seed", 0, "N", "seed for init, data order and dropout (default 1)", &o.seed, 0, 0},
    {OPT_INT, "checkpoint-every", 0, "N", "write a checkpoint every N steps (default: only at the end)", &o.every,
     1, 1L << 40},
    {OPT_STR, "checkpoint", 0, "FILE", "checkpoint path (default OUTPUT.ckpt)", &o.ckpt},
    {OPT_INT, "stop-after", 0, "N", "stop after step N (checkpoint and output written; --resume goes on)",
     &o.stop_after, 1, 1L << 40},
    {OPT_STR, "resume", 0, "FILE", "continue from a checkpoint (same shape, data and settings)", &o.resume},
    {OPT_STR, "log", 0, "FILE", "append one JSON line per step", &o.log},
    {OPT_STR, "eval", 0, "FILE", "held-out token file: its mean loss every --eval-every steps and at the end",
     &o.eval},
    {OPT_INT, "eval-every", 0, "N", "steps between evaluations (default: only at the end)", &o.eval_every, 0,
     1L << 40},
    {OPT_STR, "mem-limit", 0, "SIZE", "memory the run may use (512M, 2G; off: no check; default: what is available)",
     &o.mem_limit},
    {OPT_STR, "out-type", 0, "TYPE", "element type of the output's matrices: f32 (default), f16, q8_0", &o.out_type},
    {OPT_INT, "threads", 't', "N", "threads (default: OpenMP's)", &o.threads, 1, 1024},
    {OPT_STR, "matmul", 0, "KIND", "f32 (OpenBLAS sgemm, default) or bf16: products of bf16-rounded inputs, float sums",
     &o.matmul},
    {OPT_FLAG, "quiet", 'q', NULL, "no progress line", &o.quiet},
    {OPT_STR, "template", 0, "NAME|FILE", "with --config: the prompt template (chathpc, chatml, codellama, a file or "
     "the text), over the config's", &o.tmpl},
    {OPT_STR, "config", 'c', "FILE", "ChatHPC config (JSON or YAML): data_file, base_model_path, ...; flags override it",
     &o.config},
    {0},
};
static const struct opt_cmd train_cmd = {
    "train",
    "[options] (--init SHAPE --vocab N | --base FILE [--lora SPEC]) -o OUT DATA\n"
    "   or: chatmpi train --config CONFIG.json|yaml [options]",
    "Train or fine-tune a llama or qwen2 model on pre-tokenized data.",
    "DATA is a token file (binary CMPITOK, or text: one record a line of token ids, '|'\n"
    "between prompt and answer); see docs/train.md. With --resume the run continues\n"
    "exactly where the checkpoint left it, given the same options.\n\n"
    "Data parallel: mpirun -np N chatmpi train ... splits each step's global batch\n"
    "(--batch x --accum x N sequences) over the ranks and sums the gradients; only rank 0\n"
    "writes. The run is refused when its memory estimate exceeds what the machine has\n"
    "(--mem-limit or CHATMPI_MEM_LIMIT overrides).\n\n"
    "With --config, DATA is the config's data_file of ChatHPC records (question, context,\n"
    "answer), rendered with its prompt template and tokenized with the model's tokenizer into\n"
    "training_output_dir/train.tok; ChatHPC's defaults apply (LoRA r=16, alpha=16, dropout 0.05\n"
    "on q,k,v,o; lr 3e-4; 100 warmup steps; 400 steps; effective batch 128). CHATMPI_<KEY>\n"
    "environment variables override the file; flags override both. Keys: docs/train.md.",
    0,
    1,
    train_opts,
};

static int normalize_names; /* the records and the model written use normalized names (corpus/names.h) */

/* The tokenizer of the source, and the names convention the model was trained with. */
static int copy_tokenizer(void *ctx, struct gguf_writer *w)
{
    const struct gguf *g = ctx;
    if (normalize_names) {
        int rc = gguf_writer_set_str(w, NAMES_GGUF_KEY, NAMES_NORMALIZED);
        if (rc) return rc;
    }
    for (size_t i = 0; i < g->n_kv; i++)
        if (!strncmp(g->kv[i].key, "tokenizer.", 10)) {
            int rc = gguf_writer_copy_kv(w, g, &g->kv[i]);
            if (rc) return rc;
        }
    return 0;
}

static void fmt_eta(char *buf, size_t n, double s)
{
    if (!(s >= 0) || s > 1e8) s = 0;
    long t = (long)s;
    if (t >= 3600) snprintf(buf, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
}


/* ChatHPC's merged_model_path: the base with the adapter just written folded in (scale 1),
 * the same code as `chatmpi merge BASE ADAPTER -o OUT`. */
static int write_merged(const char *base_path, const char *adapter_path, const char *out)
{
    struct llama_model *bm = NULL;
    struct llama_adapter *ad = NULL;
    struct llama_merge_report rep;
    float one = 1;
    int rc = llama_model_load(&bm, base_path);
    if (!rc) rc = llama_adapter_load(&ad, adapter_path, bm);
    if (!rc) rc = llama_lora_merge(bm, &ad, &one, 1, TENSOR_TYPE_COUNT, out, &rep);
    llama_adapter_free(ad);
    llama_model_free(bm);
    return rc;
}

static int usage(const char *msg)
{
    fprintf(stderr, "chatmpi train: %s\nhint: chatmpi train --help\n", msg);
    return EXIT_USAGE;
}

/* --config (and --template, which a config without a template needs) are read before the
 * flags so that the flags override the config. */
static const char *find_flag(int argc, char **argv, const char *flag, const char *short_flag)
{
    size_t n = strlen(flag);
    for (int i = 1; i < argc; i++) {
        if ((!strcmp(argv[i], flag) || (short_flag && !strcmp(argv[i], short_flag))) && i + 1 < argc)
            return argv[i + 1];
        if (!strncmp(argv[i], flag, n) && argv[i][n] == '=') return argv[i] + n + 1;
    }
    return NULL;
}

static struct train_config cfg;
static char cfg_lora[256], cfg_ckpt[4200], cfg_log[4200];
static struct tr_dist dist; /* rank 0 of 1 unless a launcher started us */
#define ROOT (dist.rank == 0)

/* The config's values as option defaults (flags parsed afterwards override them). The
 * config's batch_size is the effective batch: micro_batch x accumulation x ranks. */
static int apply_config(const struct train_config *c)
{
    long share = c->micro_batch * dist.size;
    if (c->batch_size % share) {
        cm_error_set(CM_EINVAL, "batch_size %ld is not a multiple of micro_batch %ld x %d ranks", c->batch_size,
                     c->micro_batch, dist.size);
        cm_error_hint("batch_size is the effective batch: micro_batch x accumulation x ranks");
        return CM_EINVAL;
    }
    o.base = c->base_model_path, o.init = c->init, o.out = c->finetuned_model_path;
    if (c->tokenizer) o.tokenizer = c->tokenizer;
    o.steps = c->steps, o.lr = c->learning_rate, o.min_lr = c->learning_rate * c->min_lr_ratio;
    o.warmup = c->warmup_steps, o.sched = c->schedule, o.wd = c->weight_decay, o.clip = c->grad_clip;
    o.batch = c->micro_batch, o.accum = c->batch_size / share;
    if (c->seq_len) o.seq = c->seq_len;
    o.loss = c->loss, o.seed = c->seed, o.every = c->checkpoint_every;
    o.eval = c->eval_file, o.eval_every = c->eval_every;
    if (c->threads) o.threads = c->threads;
    o.matmul = c->matmul;
    if (c->base_model_path && !c->full) {
        char targets[64];
        snprintf(targets, sizeof(targets), "%s", c->lora_targets);
        for (char *p = targets; *p; p++)
            if (*p == ',') *p = '+';
        snprintf(cfg_lora, sizeof(cfg_lora), "r=%ld,alpha=%g,dropout=%g,targets=%s,layers=%ld", c->lora_r,
                 c->lora_alpha, c->lora_dropout, targets, c->lora_layers);
        o.lora = cfg_lora;
    }
    snprintf(cfg_ckpt, sizeof(cfg_ckpt), "%s/checkpoint.ckpt", c->training_output_dir);
    snprintf(cfg_log, sizeof(cfg_log), "%s/train.jsonl", c->training_output_dir);
    o.ckpt = cfg_ckpt, o.log = cfg_log;
    return 0;
}

/* Renders and tokenizes the config's records file into training_output_dir/NAME.tok (rank 0)
 * or a temporary file (other ranks: only rank 0 writes outputs, and the ranks need not share
 * a file system); its path goes to out. */
static int tokenize_config_file(const char *tok_gguf, const char *records, const char *name, char *out, size_t n)
{
    struct tokenizer *tk = NULL;
    struct tmpl *t = NULL;
    int rc = 0;
    if (!tok_gguf) return cm_error_set(CM_EINVAL, "no tokenizer: give base_model_path or a tokenizer GGUF");
    if (ROOT) { /* train_run has made training_output_dir */
        snprintf(out, n, "%s/%s.tok", cfg.training_output_dir, name);
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(out, n, "%s/chatmpi-train-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
        int fd = mkstemp(out);
        if (fd < 0) return cm_error_set(CM_EIO, "cannot create a temporary file '%s'", out);
        close(fd);
    }
    if ((rc = tok_load_gguf(&tk, tok_gguf))) goto done;
    {
        struct gguf *g = NULL; /* the base's chat template decides when no template is named */
        const char *spec = o.tmpl ? o.tmpl : cfg.prompt_template_file ? cfg.prompt_template_file : cfg.prompt_template;
        if (!spec && o.base) rc = gguf_open(&g, o.base);
        if (!rc) rc = tmpl_resolve(&t, spec, g, NULL);
        gguf_close(g);
    }
    if (rc) goto done;
    struct tr_records_stats st;
    long shuffles = strcmp(name, "train") ? 0 : cfg.shuffled_names; /* the eval records as the model reads */
    if ((rc = tr_records_tokenize(&st, records, t, tk, (size_t)cfg.max_training_tokens, normalize_names, shuffles,
                                  (uint64_t)cfg.seed, out)))
        goto done;
    if (ROOT) {
        fprintf(stderr, "chatmpi train: %zu records from %s", st.records, records);
        if (shuffles) fprintf(stderr, " (each in %ld orders of its names)", 1 + shuffles);
        fprintf(stderr, ": %llu tokens (%llu in answers)", (unsigned long long)st.tokens,
                (unsigned long long)st.answer_tokens);
        if (st.truncated)
            fprintf(stderr, "; %zu longer than max_training_tokens %ld were truncated (longest %zu)", st.truncated,
                    cfg.max_training_tokens, st.longest);
        fprintf(stderr, " -> %s\n", out);
    }
done:
    tok_free(tk);
    tmpl_free(t);
    return rc;
}

/* Loads a token file for training or evaluation; a config's records are tokenized first
 * (other ranks' temporary copies are removed once read). */
static int load_tokens(struct tr_data *d, const char *path, int records, const char *name)
{
    char tmp[4200];
    if (records) {
        int rc = tokenize_config_file(o.tokenizer ? o.tokenizer : o.base, path, name, tmp, sizeof(tmp));
        if (!rc) rc = tr_data_load(d, tmp);
        if (!ROOT) unlink(tmp);
        if (rc) return rc;
        path = tmp;
    } else {
        int rc = tr_data_load(d, path);
        if (rc) return rc;
    }
    return 0;
}

/* The memory the run may take: --mem-limit, CHATMPI_MEM_LIMIT, or this process's share of
 * what the machine has. *limit 0: no check. */
static int memory_limit(uint64_t *limit, const char **what, uint64_t now)
{
    const char *v = o.mem_limit ? o.mem_limit : getenv("CHATMPI_MEM_LIMIT");
    if (v && *v) {
        *what = o.mem_limit ? "--mem-limit" : "CHATMPI_MEM_LIMIT";
        if (!strcmp(v, "off")) return *limit = 0, 0;
        return tr_mem_parse_size(limit, v);
    }
    uint64_t avail;
    int rc = tr_mem_available(&avail, what);
    if (rc) return rc;
    *limit = now + avail / (uint64_t)dist.local_size;
    return 0;
}

static void mib(char *buf, size_t n, uint64_t bytes)
{
    snprintf(buf, n, "%.0f MiB", (double)bytes / (1024.0 * 1024.0));
}

/* Estimates the run's memory and refuses it (CM_EENV, naming the biggest parts) when the
 * estimate exceeds the limit. */
static int check_memory(struct tr_mem_plan *plan, uint64_t *limit, const struct llama_hparams *hp, int tied,
                        const struct tr_lora_cfg *lora, const struct gguf *base, int B, int T)
{
    uint64_t mapped = 0;
    for (size_t i = 0; base && i < base->n_tensors; i++) mapped += base->tensors[i].nbytes;
    int threads = o.threads ? (int)o.threads : omp_get_max_threads();
    tr_mem_estimate(plan, hp, tied, lora, mapped, B, T, threads, dist.size);
    const char *what;
    int rc = memory_limit(limit, &what, plan->now);
    int shared = dist.local_size > 1 && (!strcmp(what, "MemAvailable") || !strcmp(what, "cgroup limit"));
    if (rc || !*limit || plan->total <= *limit) return rc;
    char need[32], have[32], w[32], opt[32], act[32], ck[32];
    tr_mem_format(need, sizeof(need), plan->total);
    tr_mem_format(have, sizeof(have), *limit);
    tr_mem_format(w, sizeof(w), plan->mapped + plan->params);
    tr_mem_format(opt, sizeof(opt), plan->optimizer);
    tr_mem_format(act, sizeof(act), plan->activations);
    tr_mem_format(ck, sizeof(ck), plan->checkpoint);
    cm_error_set(CM_EENV,
                 "this run needs about %s of memory (weights and gradients %s, optimizer %s, activations %s for "
                 "batch %d x %d, checkpoint %s), more than the %s available (%s%s)",
                 need, w, opt, act, B, T, ck, have, what, shared ? ", shared by the ranks on this machine" : "");
    cm_error_hint("use a smaller --batch (and a larger --accum for the same effective batch) or a shorter --seq; "
                  "--mem-limit SIZE sets the limit (off: no check)");
    return CM_EENV;
}

static void progress(const struct tr_trainer *t, const struct tr_step_info *info, double tps, double eta,
                     const struct tr_eval_result *ev, int tty)
{
    char e[32], evs[32] = "";
    fmt_eta(e, sizeof(e), eta);
    if (ev) snprintf(evs, sizeof(evs), "  eval %.4f", ev->loss);
    fprintf(stderr, "%sstep %llu/%ld  loss %.4f%s  lr %.2e  |g| %.3f  %.0f tok/s  eta %s%s", tty ? "\r" : "",
            (unsigned long long)t->step, o.steps, info->loss, evs, info->lr, info->grad_norm, tps, e,
            tty ? "   " : "\n");
}

/* Every rank agrees on the parameters (the all-reduce gives all the same sums); checked
 * where a checkpoint is written. */
static int check_ranks_agree(const struct tr_trainer *t)
{
    int same = tr_dist_same_u64(&dist, tr_trainer_params_hash(t));
    if (same < 0) return same;
    if (!same)
        return cm_error_set(CM_EINTERNAL, "the ranks' parameters differ at step %llu", (unsigned long long)t->step);
    return 0;
}

static int train_run(int argc, char **argv)
{
    memset(&o, 0, sizeof(o));
    o.steps = 1000, o.batch = 8, o.accum = 1, o.seed = 1, o.lr = 3e-4, o.min_lr = -1, o.wd = 0.01, o.clip = 1;
    struct cm_strlist pos;
    cm_strlist_init(&pos);
    const char *config = find_flag(argc, argv, "--config", "-c"), *tmpl_flag = find_flag(argc, argv, "--template", NULL);
    train_config_init(&cfg);
    if (config) {
        struct cm_strlist warn;
        cm_strlist_init(&warn);
        int crc = train_config_load(&cfg, config, &warn);
        if (!crc) crc = train_config_apply_env(&cfg);
        if (!crc && tmpl_flag) { /* --template replaces the config's template, whichever key held it */
            free(cfg.prompt_template_file), cfg.prompt_template_file = NULL;
            crc = train_config_set(&cfg, "prompt_template", tmpl_flag, "--template");
        }
        if (!crc) crc = train_config_validate(&cfg);
        if (!crc) crc = apply_config(&cfg);
        for (size_t i = 0; ROOT && i < warn.n; i++) fprintf(stderr, "chatmpi train: warning: %s\n", warn.items[i]);
        cm_strlist_release(&warn);
        if (crc) { /* a config is the user's input: its errors are usage errors */
            cli_report_error(crc);
            train_config_release(&cfg);
            return EXIT_USAGE;
        }
    }
    int prc = opt_parse(&train_cmd, argc, argv, &pos);
    if (prc == OPT_OK && !config && pos.n != 1) prc = usage("give the token DATA file, or --config CONFIG");
    if (prc != OPT_OK) {
        cm_strlist_release(&pos);
        train_config_release(&cfg);
        return prc == OPT_HELP ? EXIT_OK : prc;
    }
    int rc = 0, ex = EXIT_OK, answer_only = 0, records = config && !pos.n;
    struct gguf *base = NULL, *tokg = NULL;
    struct tr_model_f32 m;
    struct tr_trainer t;
    struct tr_data data, evd;
    FILE *logf = NULL;
    char *ckpt = NULL;
    int32_t *tok = NULL, *tg = NULL;
    float *w = NULL;
    struct tr_batch *mb = NULL;
    memset(&m, 0, sizeof(m));
    memset(&t, 0, sizeof(t));
    tr_data_init(&data);
    tr_data_init(&evd);
    struct tr_opt_cfg oc;
    tr_opt_defaults(&oc);
    struct tr_lora_cfg lc = {.r = 8, .alpha = 16, .dropout = 0.05f, .targets = TR_LORA_DEFAULT_TARGETS};
    uint32_t out_type = TENSOR_TYPE_F32;

    if (!o.out) { ex = usage("missing -o OUT"); goto done; }
    if (!o.init == !o.base) { ex = usage("give exactly one of --init SHAPE and --base FILE"); goto done; }
    if (o.lora && !o.base) { ex = usage("--lora needs --base (the frozen model it adapts)"); goto done; }
    if (o.sched) {
        if (!strcmp(o.sched, "cosine")) oc.sched = TR_SCHED_COSINE;
        else if (!strcmp(o.sched, "linear")) oc.sched = TR_SCHED_LINEAR;
        else if (!strcmp(o.sched, "constant")) oc.sched = TR_SCHED_CONSTANT;
        else { ex = usage("--schedule must be cosine, linear or constant"); goto done; }
    }
    if (o.loss && strcmp(o.loss, "all") && !(answer_only = !strcmp(o.loss, "answer"))) {
        ex = usage("--loss must be all or answer");
        goto done;
    }
    if (o.eval_every && !o.eval && !config) { ex = usage("--eval-every needs --eval FILE"); goto done; }
    if (o.out_type && (rc = tensor_type_from_name(&out_type, o.out_type))) goto fail;
    if (o.lora && (rc = tr_lora_parse(&lc, o.lora))) goto fail;
    if (o.threads) {
        omp_set_num_threads((int)o.threads);
        openblas_set_num_threads((int)o.threads);
    }
    if (o.matmul) {
        enum tr_matmul mm;
        if ((rc = tr_matmul_parse(&mm, o.matmul)) || (rc = tr_matmul_set(mm))) goto fail;
        if (mm == TR_MATMUL_BF16 && !dist.active) cli_tune_spin();
    }
    ckpt = o.ckpt ? cm_strdup(o.ckpt) : NULL;
    if (!ckpt) {
        size_t n = strlen(o.out) + 6;
        ckpt = cm_malloc(n);
        snprintf(ckpt, n, "%s.ckpt", o.out);
    }
    /* before the data is read and hours of training: where the result goes (a config's
     * training_output_dir, which holds the checkpoint, is made now, as mkdir -p would) */
    if (ROOT && config) {
        if ((ex = cli_check_output("train", "training_output_dir", cfg.training_output_dir, 1))) goto done;
        if ((rc = cm_make_dirs(cfg.training_output_dir, 0755))) goto fail;
    }
    if (ROOT && ((ex = cli_check_output("train", "-o", o.out, 0)) || (ex = cli_check_output("train", "--checkpoint", ckpt, 0)) ||
                 (config && (ex = cli_check_output("train", "merged_model_path", cfg.merged_model_path, 0)))))
        goto done;
    normalize_names = records && cfg.normalize_names; /* or inherited from the base */
    if (o.base && !normalize_names) {
        struct gguf *g = NULL;
        if (!(rc = gguf_open(&g, o.base))) rc = names_model_setting(g, &normalize_names);
        gguf_close(g);
        if (rc) goto fail;
    }
    const char *data_path = records ? cfg.data_file : pos.items[0];
    if ((rc = load_tokens(&data, data_path, records, "train"))) goto fail;
    data.seed = (uint64_t)o.seed;
    if (answer_only && !data.mask) {
        rc = cm_error_set(CM_EINVAL, "'%s' marks no answers, so --loss answer would count nothing", data_path);
        cm_error_hint("mark answers with '|' (text) or a loss mask (binary), or use --loss all");
        goto fail;
    }
    if (o.eval && (rc = load_tokens(&evd, o.eval, records, "eval"))) goto fail;
    if (o.eval && answer_only && !evd.mask) {
        rc = cm_error_set(CM_EINVAL, "'%s' marks no answers, so --loss answer would evaluate nothing", o.eval);
        cm_error_hint("mark answers with '|' (text) or a loss mask (binary), or use --loss all");
        goto fail;
    }
    if (o.base && (rc = gguf_open(&base, o.base))) goto fail;
    const char *tokpath = o.tokenizer ? o.tokenizer : o.base;
    if (o.tokenizer && (rc = gguf_open(&tokg, o.tokenizer))) goto fail;
    struct gguf *tsrc = tokg ? tokg : base;
    struct llama_hparams hp = {0};
    int tied = 0;
    if (o.init) {
        const struct gguf_arr *toks;
        if (o.vocab) hp.n_vocab = (uint32_t)o.vocab;
        else if (tsrc && gguf_get_arr(tsrc, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, &toks) == 0)
            hp.n_vocab = (uint32_t)toks->n;
        else { ex = usage("--init needs --vocab N or a --tokenizer GGUF"); goto done; }
        if ((rc = llama_hparams_parse(&hp, o.init))) goto fail;
    } else {
        if ((rc = llama_hparams_read(&hp, base))) goto fail;
        tied = gguf_find_tensor(base, "output.weight") == NULL;
    }
    const struct tr_data *vd[2] = {&data, &evd};
    for (int i = 0; i < (o.eval ? 2 : 1); i++)
        if (vd[i]->max_token >= hp.n_vocab) {
            rc = cm_error_set(CM_EINVAL, "'%s' holds token id %u, outside the model's vocabulary of %u",
                              i ? o.eval : data_path, vd[i]->max_token, hp.n_vocab);
            goto fail;
        }
    int T = (int)(o.seq ? o.seq : (hp.n_ctx < 256 ? hp.n_ctx : 256)), B = (int)o.batch;
    struct tr_mem_plan plan = {0};
    uint64_t mem_limit = 0;
    const struct tr_lora_cfg *lora = o.lora ? &lc : NULL;
    if (T <= (int)hp.n_ctx && (rc = check_memory(&plan, &mem_limit, &hp, tied, lora, base, B, T))) goto fail;
    if (o.init) rc = tr_model_init_f32(&m, &hp, 0, (uint64_t)o.seed);
    else rc = tr_model_init_base_f32(&m, base, lora, (uint64_t)o.seed);
    if (rc) goto fail;
    /* LoRA: the frozen base dequantized once rather than in every product, as far as it fits */
    uint64_t dense = tr_model_expand_bytes_f32(&m), budget = !mem_limit ? UINT64_MAX
                                                          : mem_limit > plan.total ? mem_limit - plan.total : 0;
    uint64_t expanded = dense ? tr_model_expand_f32(&m, budget > SIZE_MAX ? SIZE_MAX : (size_t)budget) : 0;
    plan.dense = expanded, plan.total += expanded;
    /* LoRA on the top layers: what the frozen layers below give each record is kept in what is left */
    if (m.l0 > 0) m.cache_max = !mem_limit ? SIZE_MAX : mem_limit > plan.total ? (size_t)(mem_limit - plan.total) : 0;
    if ((rc = tr_model_alloc_f32(&m, B, T))) goto fail;
    oc.lr = o.lr, oc.min_lr = o.min_lr >= 0 ? o.min_lr : o.lr / 10, oc.warmup = (int)o.warmup;
    oc.total_steps = (int)o.steps, oc.weight_decay = o.wd, oc.clip = o.clip;
    tr_trainer_init(&t, &m, &oc, (uint64_t)o.seed);
    t.dist = &dist;
    /* rank 0 reads the checkpoint and gives its state to the others */
    if (o.resume && ROOT && (rc = tr_checkpoint_load(&t, o.resume))) goto fail;
    if (dist.size > 1 && (rc = tr_trainer_broadcast(&t))) goto fail;
    if (o.log && ROOT && !(logf = fopen(o.log, "a"))) {
        rc = cm_error_set(CM_EIO, "cannot open '%s' for the log", o.log);
        goto fail;
    }
    size_t N = (size_t)B * T;
    tok = cm_malloc(o.accum * N * sizeof(int32_t));
    tg = cm_malloc(o.accum * N * sizeof(int32_t));
    w = cm_malloc(o.accum * N * sizeof(float));
    mb = cm_malloc(o.accum * sizeof(*mb));
    if (!o.quiet && ROOT) {
        char est[32], lim[32] = "no limit";
        tr_mem_format(est, sizeof(est), plan.total);
        if (mem_limit) tr_mem_format(lim, sizeof(lim), mem_limit);
        fprintf(stderr, "train: %s, %zu parameters trained; %llu records, %llu tokens; batch %d x %d, accum %ld",
                m.lora.r > 0 ? "LoRA" : "full model", m.n_params, (unsigned long long)data.n_records,
                (unsigned long long)data.n_tokens, B, T, o.accum);
        if (dist.size > 1) fprintf(stderr, ", %d ranks (effective batch %ld)", dist.size, B * o.accum * dist.size);
        fprintf(stderr, "; memory ~%s%s (%s%s)\n", est, dist.size > 1 ? " a rank" : "", mem_limit ? "limit " : "",
                lim);
        char rt[160];
        cli_runtime_describe(rt, sizeof(rt));
        fprintf(stderr, "train: %s%s\n", rt, dist.size > 1 ? " a rank" : "");
        if (dense) {
            char db[32], eb[32];
            tr_mem_format(db, sizeof(db), dense);
            tr_mem_format(eb, sizeof(eb), expanded);
            if (expanded == dense) fprintf(stderr, "train: base matrices dequantized once (%s as float)\n", db);
            else if (expanded)
                fprintf(stderr, "train: base matrices dequantized once as far as the limit allows: %s of %s as "
                                "float, the rest in every product\n", eb, db);
            else
                fprintf(stderr, "train: base matrices dequantized in every product: %s as float does not fit the "
                                "limit\n", db);
        }
        if (m.l0 > 0)
            fprintf(stderr, "train: adapters on the top %d of %u layers; layers 0-%d are frozen and run once a record "
                            "(their output kept: %.0f MiB a 1,000 tokens)\n", lc.layers, hp.n_layer, m.l0 - 1,
                    1000.0 * hp.dim * sizeof(float) / (1024.0 * 1024.0));
        if (tr_matmul_get() == TR_MATMUL_BF16)
            fprintf(stderr, "train: matrix products of bf16-rounded inputs, float sums (oneDNN %s)\n", tr_matmul_impl());
    }
    int tty = isatty(2);
    uint64_t every_line = (uint64_t)o.steps / 20 ? (uint64_t)o.steps / 20 : 1;
    double t0 = cm_now(), eval_s = 0;
    uint64_t first = t.step, tokens_done = 0, P = (uint64_t)dist.size, R = (uint64_t)dist.rank;
    uint64_t stop = o.stop_after && o.stop_after < o.steps ? (uint64_t)o.stop_after : (uint64_t)o.steps;
    struct tr_eval_result ev = {0};
    int have_ev = 0;
    while (t.step < stop) {
        /* this rank's share of the step's global batch: micro-batches R*accum .. (R+1)*accum - 1 */
        uint64_t computed = 0; /* positions this rank computes: each micro-batch is cut to its longest row */
        for (long a = 0; a < o.accum; a++) {
            uint64_t g = ((t.step * P + R) * (uint64_t)o.accum + (uint64_t)a) * (uint64_t)B;
            int Tn = tr_data_batch(&data, 1, g, UINT64_MAX, B, T, answer_only, tok + a * N, tg + a * N, w + a * N);
            mb[a] = (struct tr_batch){tok + a * N, tg + a * N, w + a * N, Tn};
            computed += (uint64_t)B * (uint64_t)Tn;
        }
        struct tr_step_info info;
        if ((rc = tr_trainer_step(&t, mb, (int)o.accum, &info))) goto fail;
        tokens_done += computed * P;
        have_ev = o.eval && ((o.eval_every && t.step % (uint64_t)o.eval_every == 0) || t.step == stop);
        if (have_ev) {
            double e0 = cm_now();
            if ((rc = tr_eval_loss(&ev, &m, &evd, answer_only, &dist))) goto fail;
            eval_s += cm_now() - e0;
        }
        double el = cm_now() - t0, tps = tokens_done / (el - eval_s > 0 ? el - eval_s : 1e-9);
        double eta = el / (double)(t.step - first) * (double)((uint64_t)o.steps - t.step);
        /* on a terminal one line rewritten every step; in a file a line every 5% of the run */
        if (!o.quiet && ROOT && (tty || have_ev || t.step % every_line == 0 || t.step == (uint64_t)o.steps))
            progress(&t, &info, tps, eta, have_ev ? &ev : NULL, tty);
        if (logf) {
            fprintf(logf, "{\"step\":%llu,\"loss\":%.6f,", (unsigned long long)t.step, info.loss);
            if (have_ev) fprintf(logf, "\"eval_loss\":%.6f,\"eval_tokens\":%llu,", ev.loss, (unsigned long long)ev.tokens);
            fprintf(logf, "\"lr\":%.6g,\"grad_norm\":%.6g,\"tokens\":%llu,\"tok_per_s\":%.1f,\"elapsed_s\":%.3f}\n",
                    info.lr, info.grad_norm, (unsigned long long)info.tokens, tps, el);
            fflush(logf);
        }
        if (o.every && t.step % (uint64_t)o.every == 0 && t.step < stop) {
            if ((rc = check_ranks_agree(&t))) goto fail;
            if (ROOT && (rc = tr_checkpoint_save(&t, ckpt))) goto fail;
        }
    }
    if (!o.quiet && ROOT && tty) fprintf(stderr, "\n");
    if ((rc = check_ranks_agree(&t))) goto fail;
    if (ROOT) {
        if ((rc = tr_checkpoint_save(&t, ckpt))) goto fail;
        if (m.lora.r > 0) rc = tr_export_lora(&m, NULL, NULL, o.out, NULL, NULL);
        else rc = tr_export_model(&m, out_type, tsrc ? copy_tokenizer : NULL, tsrc, o.out, NULL, NULL);
        if (rc) goto fail;
        if (config && cfg.merged_model_path) {
            if (m.lora.r <= 0)
                fprintf(stderr, "chatmpi train: warning: merged_model_path ignored: full training writes the whole "
                                "model to '%s'\n", o.out);
            else if ((rc = write_merged(o.base, o.out, cfg.merged_model_path)))
                goto fail;
            else if (!o.quiet)
                fprintf(stderr, "train: wrote the base with the adapter merged to '%s'\n", cfg.merged_model_path);
        }
    }
    if (!o.quiet && ROOT) {
        char peak[32], est[32];
        mib(peak, sizeof(peak), tr_mem_status("VmHWM"));
        mib(est, sizeof(est), plan.total);
        uint64_t padded = (t.step - first) * (uint64_t)o.accum * N * P;
        if (padded)
            fprintf(stderr, "train: computed %llu positions of %llu (%.0f%%): micro-batches are cut to their longest "
                            "record\n", (unsigned long long)tokens_done, (unsigned long long)padded,
                    100.0 * (double)tokens_done / (double)padded);
        if (m.l0 > 0) {
            char cb[32];
            mib(cb, sizeof(cb), m.cache_bytes);
            fprintf(stderr, "train: frozen layers: %llu sequences from the cache, %llu computed; %zu kept (%s)\n",
                    (unsigned long long)m.cache_hits, (unsigned long long)m.cache_misses, m.cache_n, cb);
        }
        if (have_ev)
            fprintf(stderr, "train: eval loss %.4f over %llu tokens of '%s' after step %llu\n", ev.loss,
                    (unsigned long long)ev.tokens, o.eval, (unsigned long long)t.step);
        fprintf(stderr, "train: wrote %s '%s'%s%s%s; checkpoint '%s'; peak memory %s%s (estimated %s)\n",
                m.lora.r > 0 ? "adapter" : "model", o.out, tsrc && m.lora.r <= 0 ? " with the tokenizer of '" : "",
                tsrc && m.lora.r <= 0 ? tokpath : "", tsrc && m.lora.r <= 0 ? "'" : "", ckpt, peak,
                dist.size > 1 ? " on rank 0" : "", est);
    }
    /* the other ranks end only once rank 0 has written everything */
    if ((rc = tr_dist_barrier(&dist))) goto fail;
    goto done;
fail:
    ex = cli_report_error(rc);
done:
    if (logf) fclose(logf);
    tr_matmul_release();
    free(tok), free(tg), free(w), free(mb), free(ckpt);
    tr_trainer_release(&t);
    tr_model_release_f32(&m);
    tr_data_release(&data);
    tr_data_release(&evd);
    gguf_close(base);
    gguf_close(tokg);
    cm_strlist_release(&pos);
    train_config_release(&cfg);
    return ex;
}

int cmd_train(int argc, char **argv)
{
    int rc = tr_dist_init(&dist), ex;
    if (rc) ex = cli_report_error(rc);
    else ex = train_run(argc, argv);
    if (ex != EXIT_OK && dist.size > 1) {
        fprintf(stderr, "chatmpi train: rank %d of %d failed: ending the job (exit %d)\n", dist.rank, dist.size, ex);
        fflush(stderr);
        tr_dist_abort(&dist, ex);
    }
    tr_dist_finalize(&dist);
    return ex;
}
