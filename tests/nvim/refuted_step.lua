-- A real client for `derivcheck lsp`: Neovim's built-in one, headless.
--
--   DERIVCHECK=target/release/derivcheck nvim --headless -u NONE -i NONE -n \
--       -c 'luafile tests/nvim/refuted_step.lua'
--
-- Opens derivations/flawed/dropped_log.deriv, whose step at line 25 is
-- refuted, and checks what the editor gets: an error on that line whose
-- message says "refuted", placed on the step's expression (Neovim turns
-- the server's UTF-16 positions into byte columns, so a wrong conversion
-- of the Greek letters shows as a wrong end column); a hover on it with
-- the counterexample; once the line is fixed in the buffer (an
-- incremental change), the error on the next line, which drops the log
-- too; and once that one is fixed, no error left. Prints "nvim lsp test: passed" and
-- exits 0, or says what failed and exits 1. Only APIs of Neovim 0.7
-- (Debian bookworm's): vim.lsp.start_client and vim.lsp.buf_attach_client.

local TIMEOUT = 60000
local FILE = 'derivations/flawed/dropped_log.deriv'
local LINE = 25 -- 1-based: the refuted step
local EXPR = 'Σ_τ Pr_θ(τ) ∇_θ Pr_θ(τ) R(τ)'
local FIXED = '  = Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)    by the log-derivative trick'
local FIXED_NEXT = '  = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]    by definition of expectation'

local function finish(ok, message)
  io.stdout:write('nvim lsp test: ' .. message .. '\n')
  io.stdout:flush()
  if ok then
    vim.cmd('qall!')
  else
    vim.cmd('cquit')
  end
end

local function fail(message)
  finish(false, 'FAILED: ' .. message)
end

local ok, err = pcall(function()
  local bin = os.getenv('DERIVCHECK') or 'derivcheck'
  if vim.fn.executable(bin) ~= 1 then
    return fail('no derivcheck binary at `' .. bin .. '` (set DERIVCHECK)')
  end
  vim.cmd('edit ' .. FILE)
  local buf = vim.api.nvim_get_current_buf()
  local exited = nil
  local client_id = vim.lsp.start_client({
    name = 'derivcheck',
    cmd = { bin, 'lsp' },
    root_dir = vim.fn.getcwd(),
    on_exit = function(code) exited = code end,
  })
  if not client_id then
    return fail('vim.lsp.start_client did not start derivcheck lsp')
  end
  vim.lsp.buf_attach_client(buf, client_id)

  local function errors()
    return vim.diagnostic.get(buf, { severity = vim.diagnostic.severity.ERROR })
  end
  local got = vim.wait(TIMEOUT, function() return #errors() > 0 end, 50)
  if not got then
    return fail('no error diagnostic within ' .. TIMEOUT .. ' ms' ..
      (exited and (' (the server exited with ' .. exited .. ')') or ''))
  end
  local d = errors()[1]
  if #errors() ~= 1 then
    return fail('expected one error, got ' .. #errors())
  end
  if d.lnum ~= LINE - 1 then
    return fail('the error is on line ' .. (d.lnum + 1) .. ', not ' .. LINE)
  end
  if not d.message:find('refuted', 1, true) then
    return fail('the error does not say "refuted": ' .. d.message)
  end
  if not d.message:find('counterexample', 1, true) then
    return fail('the error has no counterexample: ' .. d.message)
  end
  local text = vim.api.nvim_buf_get_lines(buf, LINE - 1, LINE, false)[1]
  local start = text:find(EXPR, 1, true) - 1 -- 0-based byte column
  if d.col ~= start or d.end_col ~= start + #EXPR then
    return fail(string.format('the error spans bytes %d-%d of the line, not the expression at %d-%d',
      d.col, d.end_col, start, start + #EXPR))
  end

  -- Hover on the step: how it was decided.
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = LINE - 1, character = 6 },
  }
  local replies = vim.lsp.buf_request_sync(buf, 'textDocument/hover', params, TIMEOUT)
  local hover = ''
  for _, r in pairs(replies or {}) do
    if r.result and r.result.contents then
      hover = hover .. (r.result.contents.value or '')
    end
  end
  if not hover:find('refuted', 1, true) or not hover:find('counterexample', 1, true) then
    return fail('the hover does not tell the refutation: ' .. hover)
  end

  -- Fix the step in the buffer: the error moves to the next step, which
  -- now fails to follow from the fixed one.
  vim.api.nvim_buf_set_lines(buf, LINE - 1, LINE, false, { FIXED })
  local moved = vim.wait(TIMEOUT, function()
    local e = errors()
    return #e == 1 and e[1].lnum == LINE
  end, 50)
  if not moved then
    local e = errors()
    return fail('after the fix, expected one error on line ' .. (LINE + 1) .. ', got ' .. #e ..
      (e[1] and (' on line ' .. (e[1].lnum + 1)) or ''))
  end
  vim.api.nvim_buf_set_lines(buf, LINE, LINE + 1, false, { FIXED_NEXT })
  local fixed = vim.wait(TIMEOUT, function() return #errors() == 0 end, 50)
  if not fixed then
    return fail('an error stayed after both steps were fixed: ' .. errors()[1].message)
  end

  vim.lsp.stop_client(client_id)
  vim.wait(5000, function() return exited ~= nil end, 50)
  if exited ~= 0 then
    return fail('the server did not exit with 0 after shutdown and exit: ' .. tostring(exited))
  end
  finish(true, 'passed (the error on line ' .. LINE .. ', its hover, two fixes, shutdown)')
end)
if not ok then
  fail('error in the test: ' .. tostring(err))
end
