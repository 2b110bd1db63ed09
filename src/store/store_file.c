/* Store files as checked containers (see store_internal.h).
 *
 * Every store file is a 512-byte text header followed by an HDF5 file that
 * declares those 512 bytes as its user block, so HDF5 tools, h5py, netCDF
 * and xarray open it as an ordinary HDF5 file.  The header names the length
 * of the HDF5 part and a checksum of its bytes:
 *
 *     pathcast store file
 *     format 1
 *     bytes 2631680
 *     checksum 1f0c3a9b77e2d4c5
 *
 * Why a container rather than HDF5's own checks: HDF5 trusts the bytes it
 * parses, and a damaged file (a bit flip, a truncation, another program's
 * file under our name) can make it fail in ways that are hard to contain.
 * Reading the whole file, checking its checksum and only then letting HDF5
 * parse the verified bytes from memory means damage is always detected
 * first, by one rule shared by every reader.
 *
 * Why files are built in memory: HDF5 writing to a file that fills the disk
 * leaves its library state with an open file it cannot flush, which it
 * tries again (and can crash) at exit.  Built in memory (the core driver,
 * no backing store), the HDF5 part never touches the disk; the bytes are
 * then written with plain write(2), where a full disk is one error code that
 * is handled by removing the partial file. */
#define _GNU_SOURCE /* sync_file_range, to start write-back early */
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "h5io.h"
#include "pathcast/core/clock.h"
#include "pathcast/core/file.h"
#include "pathcast/core/log.h"
#include "store_internal.h"

#define HEADER_MAGIC "pathcast store file\n"
/* The first eight bytes of an HDF5 file without a user block: files written
 * by pathcast before the container existed (read, never written). */
static const unsigned char hdf5_signature[8] = {0x89, 'H', 'D', 'F',
                                                '\r', '\n', 0x1a, '\n'};

/* ---- writing ---------------------------------------------------------- */

hid_t pc_store_file_create(size_t size_hint) {
  /* Growing the image in steps of its final size avoids a reallocation
   * (and a copy of megabytes) per step. */
  size_t step = size_hint > ((size_t)1 << 20) ? size_hint : (size_t)1 << 20;
  hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  hid_t f = -1;
  /* STRONG: closing the file closes every object still open in it, so an
   * error path that forgot one cannot keep the file alive until exit. */
  if (fcpl >= 0 && fapl >= 0 &&
      H5Pset_userblock(fcpl, PC_STORE_HEADER) >= 0 &&
      H5Pset_fapl_core(fapl, step, 0) >= 0 &&
      H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) >= 0) {
    /* The name only labels the in-memory file; nothing is created. */
    f = H5Fcreate("pathcast-memory-file", H5F_ACC_TRUNC, fcpl, fapl);
  }
  if (fcpl >= 0) {
    H5Pclose(fcpl);
  }
  if (fapl >= 0) {
    H5Pclose(fapl);
  }
  return f;
}

/* The header for an HDF5 part of len bytes with the given checksum. */
static void format_header(unsigned char *hdr, uint64_t len, uint64_t sum) {
  memset(hdr, 0, PC_STORE_HEADER);
  snprintf((char *)hdr, PC_STORE_HEADER,
           HEADER_MAGIC "format 1\nbytes %" PRIu64 "\nchecksum %016" PRIx64
                        "\n",
           len, sum);
}

/* Takes the finished in-memory file as bytes: header, then the HDF5 part.
 * Closes f in every case. */
static unsigned char *file_bytes(hid_t f, size_t *total) {
  unsigned char *buf = NULL;
  ssize_t len = H5Fflush(f, H5F_SCOPE_GLOBAL) >= 0
                    ? H5Fget_file_image(f, NULL, 0)
                    : -1;
  if (len > 0) {
    buf = malloc((size_t)len + PC_STORE_HEADER);
  }
  if (buf != NULL &&
      H5Fget_file_image(f, buf + PC_STORE_HEADER, (size_t)len) != len) {
    free(buf);
    buf = NULL;
  }
  if (H5Fclose(f) < 0) {
    free(buf);
    buf = NULL;
  }
  if (buf != NULL) {
    uint64_t sum = pc_checksum_add(pc_checksum_seed, buf + PC_STORE_HEADER,
                                   (size_t)len);
    format_header(buf, (uint64_t)len, sum);
    *total = (size_t)len + PC_STORE_HEADER;
  }
  return buf;
}

/* Plain write(2) in a loop: a short write is continued, EINTR (a stop signal
 * arriving mid-write) retried, and a zero-byte write reported as ENOSPC, so a
 * full disk yields the "disk full" message instead of a loop or a generic
 * error. */
static int write_all(int fd, const unsigned char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w <= 0) {
      if (w == 0) {
        errno = ENOSPC;
      }
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Whether the batch being filled goes to the flusher now (store_internal.h,
 * PC_STORE_BEHIND_SECONDS): it is full, its first file has waited long
 * enough, or units are slow (gap: the time since the commit before this
 * one), so that a finished unit never waits for the next slow one. */
static int batch_due(const pc_store_batch *b, double now, double gap) {
  return b->n == PC_STORE_BEHIND ||
         now - b->first_written >= PC_STORE_BEHIND_SECONDS ||
         gap >= PC_STORE_BEHIND_SECONDS;
}

/* Asks the kernel to start writing fd's dirty pages now, without waiting
 * (Linux); elsewhere, or if refused, the later fsync writes them all. */
static void start_writeback(int fd) {
#ifdef SYNC_FILE_RANGE_WRITE
  (void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
  (void)fd;
#endif
}

/* Writes bytes to partial (flushed to disk when durable).  With keep, the
 * descriptor stays open in *keep, its write-back started, for a later
 * commit.  On failure the partial file is removed and errno says why. */
static int write_partial(const char *partial, const unsigned char *buf,
                         size_t n, int durable, int *keep) {
  int fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    return -1;
  }
  int rc = write_all(fd, buf, n);
  if (rc == 0 && keep != NULL) {
    start_writeback(fd);
    *keep = fd;
    return 0;
  }
  return pc_store_close_partial(fd, partial, rc, durable);
}

int pc_store_close_partial(int fd, const char *partial, int rc, int durable) {
  if (rc == 0 && durable) {
    rc = fsync(fd);
  }
  int err = errno;
  if (close(fd) != 0 && rc == 0) {
    rc = -1;
    err = errno;
  }
  if (rc != 0) {
    unlink(partial);
    errno = err;
  }
  return rc;
}

pc_status pc_store_file_commit(pc_store *s, hid_t f, int ok, const char *path,
                               pc_error *e) {
  char partial[PATH_LEN], dir[PATH_LEN];
  size_t n = 0;
  unsigned char *buf = NULL;
  if (ok) {
    buf = file_bytes(f, &n);
  } else {
    H5Fclose(f);
  }
  if (buf == NULL) {
    pc_store_diag_stack(s);
    return pc_error_set(e, PC_IO, "%s: cannot build the file in memory "
                        "(out of memory or an HDF5 error; see the rank log)",
                        path);
  }
  /* The commits in flight finish first when this one is not behind (files
   * reach their names in commit order) or when one of them is an earlier
   * version of this very file (the same partial name). */
  int behind = s->write_behind, fd = -1; /* only ever set when durable */
  pc_status st = PC_OK;
  if (!behind || pc_store_is_pending(s, path)) {
    st = pc_store_finish_pending(s, e);
  }
  if (st != PC_OK) {
    free(buf);
    return st;
  }
  pc_store_parent_dir(path, dir);
  if (pc_mkdirs(dir) != 0) {
    int err = errno;
    free(buf);
    return pc_error_set(e, PC_IO, "%s: cannot create folder: %s", dir,
                        strerror(err));
  }
  snprintf(partial, sizeof partial, "%s.partial", path);
  int rc = write_partial(partial, buf, n, s->durable, behind ? &fd : NULL);
  int err = errno;
  free(buf);
  if (rc != 0) {
    return pc_store_write_failed(e, path, err);
  }
  if (behind) {
    pc_store_batch *b = s->filling;
    double now = pc_monotonic_seconds();
    double gap = s->last_commit > 0.0 ? now - s->last_commit : 0.0;
    s->last_commit = now;
    if (b->n == 0) {
      b->first_written = now;
    }
    b->file[b->n].fd = fd;
    snprintf(b->file[b->n].partial, PATH_LEN, "%s", partial);
    snprintf(b->file[b->n].path, PATH_LEN, "%s", path);
    b->n++;
    return batch_due(b, now, gap) ? pc_store_hand_off(s, e) : PC_OK;
  }
  return pc_store_commit_partial(partial, path, s->durable, e);
}

/* ---- reading ---------------------------------------------------------- */

static int read_all(int fd, unsigned char *p, size_t n) {
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) {
      continue;
    }
    if (r <= 0) {
      return -1;
    }
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

/* The whole file into memory; NULL with a reason in why. */
static unsigned char *slurp(const char *path, size_t *n, const char **why) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat sb;
  unsigned char *buf = NULL;
  *why = "cannot open";
  if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
    *n = (size_t)sb.st_size;
    buf = malloc(*n ? *n : 1);
    *why = buf == NULL ? "out of memory reading it" : "cannot read";
    if (buf != NULL && read_all(fd, buf, *n) != 0) {
      free(buf);
      buf = NULL;
    }
  }
  if (fd >= 0) {
    close(fd);
  }
  return buf;
}

/* Parses and checks the header against the bytes that follow it; NULL when
 * the container is intact, else what is wrong. */
static const char *check_header(const unsigned char *buf, size_t n) {
  char text[PC_STORE_HEADER + 1];
  uint64_t len = 0, sum = 0;
  memcpy(text, buf, PC_STORE_HEADER);
  text[PC_STORE_HEADER] = '\0';
  if (sscanf(text, HEADER_MAGIC "format 1\nbytes %" SCNu64
                                "\nchecksum %16" SCNx64,
             &len, &sum) != 2) {
    return "its header is damaged";
  }
  if (len != n - PC_STORE_HEADER) {
    return len > n - PC_STORE_HEADER ? "it is truncated"
                                     : "it has bytes after its end";
  }
  if (pc_checksum_add(pc_checksum_seed, buf + PC_STORE_HEADER, (size_t)len) !=
      sum) {
    return "checksum mismatch: the file is damaged";
  }
  return NULL;
}

/* What the bytes are: 1 a checked container, 0 a legacy HDF5 file, -1 not a
 * store file (why says which). */
static int classify(const unsigned char *buf, size_t n, const char **why) {
  size_t magic = sizeof HEADER_MAGIC - 1;
  if (n >= magic && memcmp(buf, HEADER_MAGIC, magic) == 0) {
    *why = n >= PC_STORE_HEADER ? check_header(buf, n) : "it is truncated";
    return *why == NULL ? 1 : -1;
  }
  if (n >= sizeof hdf5_signature &&
      memcmp(buf, hdf5_signature, sizeof hdf5_signature) == 0) {
    return 0;
  }
  *why = n == 0 ? "it is empty" : "it is not a pathcast store file";
  return -1;
}

/* HDF5 reads the verified bytes in place: these callbacks hand the core
 * driver our buffer instead of letting it copy the file (megabytes) into
 * the property list and again into the open file.  The file is read-only,
 * so the image never grows, and the buffer is ours to free after the file
 * is closed (STRONG close: closing the file releases everything in it). */
typedef struct {
  void *buf;
  size_t size;
} image_udata;

static void *image_malloc(size_t size, H5FD_file_image_op_t op, void *udata) {
  image_udata *u = udata;
  (void)op;
  return size == u->size ? u->buf : NULL;
}

static void *image_memcpy(void *dest, const void *src, size_t size,
                          H5FD_file_image_op_t op, void *udata) {
  (void)op;
  (void)udata;
  if (dest != src) {
    memcpy(dest, src, size);
  }
  return dest;
}

static void *image_realloc(void *ptr, size_t size, H5FD_file_image_op_t op,
                           void *udata) {
  (void)ptr;
  (void)size;
  (void)op;
  (void)udata;
  return NULL; /* read-only: never asked */
}

static herr_t image_free(void *ptr, H5FD_file_image_op_t op, void *udata) {
  (void)ptr;
  (void)op;
  (void)udata;
  return 0; /* the buffer is pc_store_file's */
}

static void *udata_copy(void *udata) { return udata; }

static herr_t udata_free(void *udata) {
  (void)udata;
  return 0;
}

static hid_t open_image(unsigned char *buf, size_t n, image_udata *u) {
  H5FD_file_image_callbacks_t cb = {image_malloc, image_memcpy, image_realloc,
                                    image_free,   udata_copy,   udata_free,
                                    u};
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  hid_t f = -1;
  *u = (image_udata){buf, n};
  if (fapl >= 0 && H5Pset_fapl_core(fapl, (size_t)1 << 20, 0) >= 0 &&
      H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) >= 0 &&
      H5Pset_file_image_callbacks(fapl, &cb) >= 0 &&
      H5Pset_file_image(fapl, buf, n) >= 0) {
    f = H5Fopen("pathcast-memory-file", H5F_ACC_RDONLY, fapl);
  }
  if (fapl >= 0) {
    H5Pclose(fapl);
  }
  return f;
}

/* Tallies the schema of every file read, for status and verify (a file
 * without the attribute is not a store file of any schema: not counted). */
static void count_schema(pc_store *s, hid_t f) {
  int64_t v = 0;
  if (pc_h5_read_attr_i64(f, "schema_version", &v) == 0 && v >= 1 &&
      v <= PC_SCHEMA_VERSION) {
    s->schema_files[v]++;
  }
}

/* Every reader comes through here: the whole file is read and its container
 * checked before HDF5 parses a byte (docs/STORE.md, "Every file is a checked
 * container"). Failures are PC_IO with the reason; callers that read store
 * results turn that into PC_DAMAGED. On PC_OK the caller must call
 * pc_store_file_close, which frees the image HDF5 reads in place. */
pc_status pc_store_file_open(pc_store *s, const char *path, pc_store_file *sf,
                             pc_error *e) {
  const char *why = NULL;
  size_t n = 0;
  sf->f = -1;
  sf->legacy = 0;
  sf->image = NULL;
  sf->udata = NULL;
  /* A file this process committed behind is read once it is in place. */
  pc_store_settle(s, path);
  unsigned char *buf = slurp(path, &n, &why);
  int kind = buf != NULL ? classify(buf, n, &why) : -1;
  hid_t f = -1;
  if (kind >= 0) {
    sf->udata = malloc(sizeof(image_udata));
    f = sf->udata != NULL ? open_image(buf, n, sf->udata) : -1;
    why = "HDF5 cannot open it";
  }
  if (f < 0) {
    free(buf);
    free(sf->udata);
    sf->udata = NULL;
    pc_store_diag_stack(s);
    return pc_error_set(e, PC_IO, "%s: %s", path, why);
  }
  sf->f = f;
  sf->image = buf;
  sf->legacy = kind == 0;
  count_schema(s, f);
  return PC_OK;
}

/* The HDF5 file is closed before its image is freed, because the core driver
 * reads from the image until then. Safe on a struct that failed to open (f =
 * -1, NULL buffers) and when called twice. */
void pc_store_file_close(pc_store_file *sf) {
  if (sf->f >= 0) {
    H5Fclose(sf->f);
  }
  free(sf->image);
  free(sf->udata);
  sf->image = NULL;
  sf->udata = NULL;
  sf->f = -1;
}
